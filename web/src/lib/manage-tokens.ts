// Videos uploaded from this browser without an account. The server hands out a manage token once, in the 201
// of the upload; whoever holds it may rename, delete or revoke the video. The browser keeps it in localStorage
// (`reel.manage.v1`) so the person can still manage the video tomorrow, and sends it as `Reel-Manage-Token`.

import { browserStorage, readJson, writeJson, type StorageLike } from './storage';

export const MANAGE_TOKENS_KEY = 'reel.manage.v1';
export const MANAGE_TOKEN_HEADER = 'Reel-Manage-Token';

export interface ManagedUpload {
  id: string;
  manageToken: string;
  title: string;
  createdAt: string;
}

function isManagedUpload(value: unknown): value is ManagedUpload {
  if (!value || typeof value !== 'object') return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.id === 'string' &&
    entry.id !== '' &&
    typeof entry.manageToken === 'string' &&
    entry.manageToken !== '' &&
    typeof entry.title === 'string' &&
    typeof entry.createdAt === 'string'
  );
}

export class ManageTokenStore {
  constructor(
    private readonly storage: StorageLike | null,
    /** The oldest entries go first beyond this many; a browser that uploads more than this is not a person's. */
    private readonly limit = 500,
    private readonly key = MANAGE_TOKENS_KEY,
  ) {}

  /** Every remembered upload, newest first; entries that do not look right are skipped. */
  list(): ManagedUpload[] {
    const stored = readJson(this.storage, this.key);
    if (!Array.isArray(stored)) return [];
    const seen = new Set<string>();
    const entries: ManagedUpload[] = [];
    for (const entry of stored) {
      if (!isManagedUpload(entry) || seen.has(entry.id)) continue;
      seen.add(entry.id);
      entries.push(entry);
    }
    return entries;
  }

  tokenFor(id: string): string | null {
    return this.list().find((entry) => entry.id === id)?.manageToken ?? null;
  }

  /** The header that proves this browser may manage the video, or nothing when it holds no token for it. */
  headersFor(id: string): Record<string, string> {
    const token = this.tokenFor(id);
    return token ? { [MANAGE_TOKEN_HEADER]: token } : {};
  }

  remember(entry: ManagedUpload): void {
    if (!isManagedUpload(entry)) return;
    const { id, manageToken, title, createdAt } = entry;
    const others = this.list().filter((e) => e.id !== id);
    writeJson(this.storage, this.key, [{ id, manageToken, title, createdAt }, ...others].slice(0, this.limit));
  }

  /** Keeps the list's title in step with a rename, so the list stays readable without asking the server. */
  rename(id: string, title: string): void {
    const entries = this.list();
    if (!entries.some((e) => e.id === id)) return;
    writeJson(
      this.storage,
      this.key,
      entries.map((e) => (e.id === id ? { ...e, title } : e)),
    );
  }

  forget(id: string): void {
    const entries = this.list();
    const kept = entries.filter((e) => e.id !== id);
    if (kept.length !== entries.length) writeJson(this.storage, this.key, kept);
  }
}

export const manageTokens = new ManageTokenStore(browserStorage());
