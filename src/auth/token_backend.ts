/**
 * The AuthStore's view of credkit's stores (the `tokens` namespace).
 *
 * @module
 */
import type { SecretBackend } from "../store/backend.ts";
import type { Stores } from "../store/stores.ts";
import type { TokenBackend } from "./token_types.ts";

/**
 * A {@link TokenBackend} over credkit's stores: reads the `tokens` namespace
 * of each readable store in precedence order, writes an entry back where it
 * was found, and new entries to the writable store (keychain by default, the
 * file store only when chosen).
 *
 * @example
 * ```ts
 * const backend = storesTokenBackend(ctx.stores);
 * await backend.get("supabase");
 * ```
 */
export function storesTokenBackend(stores: Stores): TokenBackend {
  const where = new Map<string, SecretBackend>();
  return {
    name: stores.chosen ?? "keychain",
    async get(entry) {
      for (const b of await stores.readable("tokens")) {
        const fields = await b.get(entry);
        if (fields) {
          where.set(entry, b);
          return fields;
        }
      }
      where.delete(entry);
      return undefined;
    },
    async set(entry, fields) {
      const target = where.get(entry) ?? await stores.writable("tokens");
      await target.set(entry, fields);
      where.set(entry, target);
    },
    async remove(entry) {
      let removed = false;
      for (const b of await stores.readable("tokens")) {
        if (await b.remove(entry)) removed = true;
      }
      where.delete(entry);
      return removed;
    },
    async list() {
      const names = new Set<string>();
      for (const b of await stores.readable("tokens")) {
        for (const n of await b.list()) names.add(n);
      }
      return [...names];
    },
    storeOf(entry) {
      return where.get(entry)?.name;
    },
  };
}
