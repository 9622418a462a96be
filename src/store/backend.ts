/**
 * The storage interface every credential store implements.
 *
 * An entry is a named JSON object of string fields: for credentials the entry
 * name is the service (`aws` → `{access_key_id, secret_access_key}`), for
 * AuthStore tokens it is the service in the `tokens` namespace.
 *
 * @module
 */

/** The fields of one entry: field name → value. */
export type Fields = Record<string, string>;

import type { BackendName } from "./registry.ts";

/** Which store a value lives in: a registered backend, or the in-memory test double. */
export type StoreName = BackendName | "memory";

/** Entry namespaces: user credentials, or OAuth tokens kept by the AuthStore. */
export type Namespace = "credentials" | "tokens";

/**
 * A four-method backend (get, set, remove, list), as in 99designs/keyring.
 * Implementations throw a `CredkitError` of kind `store_unavailable` when the
 * store cannot be reached or read.
 */
export interface SecretBackend {
  /** Which store this is. */
  readonly name: StoreName;
  /** The entry's fields, or `undefined` when there is none. */
  get(entry: string): Promise<Fields | undefined>;
  /** Replaces the entry's fields (the whole entry) atomically. */
  set(entry: string, fields: Fields): Promise<void>;
  /** Removes the entry; `true` when something was removed. */
  remove(entry: string): Promise<boolean>;
  /** Names of all entries. */
  list(): Promise<string[]>;
  /**
   * Optional read-modify-write under the store's own lock: `fn` receives the
   * current fields and returns the new ones (`undefined` removes the entry).
   * Stores without cross-process locking fall back to get + set.
   */
  update?(
    entry: string,
    fn: (current: Fields | undefined) => Fields | undefined,
  ): Promise<Fields | undefined>;
}

/**
 * Read-modify-write on any backend: uses the backend's locked `update` when it
 * has one, otherwise get then set/remove.
 *
 * @example
 * ```ts
 * await updateEntry(store, "aws", (cur) => ({ ...cur, region: "eu-west-1" }));
 * ```
 */
export async function updateEntry(
  backend: SecretBackend,
  entry: string,
  fn: (current: Fields | undefined) => Fields | undefined,
): Promise<Fields | undefined> {
  if (backend.update) return await backend.update(entry, fn);
  const next = fn(await backend.get(entry));
  if (next === undefined || Object.keys(next).length === 0) await backend.remove(entry);
  else await backend.set(entry, next);
  return next;
}
