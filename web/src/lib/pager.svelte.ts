import type { Page } from './api';
import { appendNew } from './video-list';

/**
 * A list the server hands out page by page: what has come so far, where the next page starts, and whether it is
 * loading or failed. `more()` asks for the next page (the first, the first time); items already shown stay once.
 */
export class Pager<T extends { id: string }> {
  items = $state.raw<T[]>([]);
  cursor = $state<string | null>(null);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly #fetchPage: (cursor: string | null) => Promise<Page<T>>;
  readonly #describe: (failure: unknown) => string;

  constructor(fetchPage: (cursor: string | null) => Promise<Page<T>>, describe: (failure: unknown) => string) {
    this.#fetchPage = fetchPage;
    this.#describe = describe;
  }

  async more() {
    if (this.loading || (this.loaded && this.cursor === null)) return;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetchPage(this.loaded ? this.cursor : null);
      this.items = appendNew(this.items, page.items);
      this.cursor = page.nextCursor;
      this.loaded = true;
    } catch (failure) {
      this.error = this.#describe(failure);
    } finally {
      this.loading = false;
    }
  }
}
