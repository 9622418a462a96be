/**
 * In-memory backend: the test double, and a count of calls to prove caching.
 *
 * @module
 */
import type { Fields, SecretBackend, StoreName } from "./backend.ts";

/** Options for {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** The store name it reports (default `"memory"`); tests may pose as `keychain`. */
  name?: StoreName;
  /** Initial entries. */
  entries?: Record<string, Fields>;
}

/**
 * A {@link SecretBackend} kept in a Map. `calls` counts each method call.
 *
 * @example
 * ```ts
 * const m = new MemoryBackend({ entries: { aws: { region: "eu-west-1" } } });
 * await m.get("aws"); // { region: "eu-west-1" }
 * ```
 */
export class MemoryBackend implements SecretBackend {
  readonly name: StoreName;
  /** The entries, by name (tests inspect and change them directly). */
  readonly entries: Map<string, Fields>;
  /** Number of calls per method. */
  readonly calls = { get: 0, set: 0, remove: 0, list: 0 };

  /** Creates the store with `options.entries` (copied). */
  constructor(options: MemoryBackendOptions = {}) {
    this.name = options.name ?? "memory";
    this.entries = new Map(Object.entries(options.entries ?? {}).map(([k, v]) => [k, { ...v }]));
  }
  get(entry: string): Promise<Fields | undefined> {
    this.calls.get++;
    const v = this.entries.get(entry);
    return Promise.resolve(v ? { ...v } : undefined);
  }
  set(entry: string, fields: Fields): Promise<void> {
    this.calls.set++;
    this.entries.set(entry, { ...fields });
    return Promise.resolve();
  }
  remove(entry: string): Promise<boolean> {
    this.calls.remove++;
    return Promise.resolve(this.entries.delete(entry));
  }
  list(): Promise<string[]> {
    this.calls.list++;
    return Promise.resolve([...this.entries.keys()]);
  }
}
