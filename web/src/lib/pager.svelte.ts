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

  // Counts resets: a page asked for before the last one belongs to another list and is dropped when it comes.
  #generation = 0;

  async more() {
    if (this.loading || (this.loaded && this.cursor === null)) return;
    const generation = this.#generation;
    this.loading = true;
    this.error = null;
    try {
      const page = await this.#fetchPage(this.loaded ? this.cursor : null);
      if (generation !== this.#generation) return;
      this.items = appendNew(this.items, page.items);
      this.cursor = page.nextCursor;
      this.loaded = true;
    } catch (failure) {
      if (generation === this.#generation) this.error = this.#describe(failure);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Starts over from the first page (the list asked for changed), forgetting what came and what is on its way. */
  async reset() {
    this.#generation++;
    this.items = [];
    this.cursor = null;
    this.loaded = false;
    this.loading = false;
    this.error = null;
    await this.more();
  }
}
