/**
 * The AuthStore of a command context (gh's Factory pattern: built once per
 * context from its stores, clock, fetch and config) and what commands do
 * with it: resolve a service's access token for `run`, `server` and `test`,
 * and import kiwi-mcp tokens.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import type { Context } from "../cli/context.ts";
import { CredkitError } from "../errors.ts";
import { resolveServices } from "../resolve.ts";
import { AuthStore, storesTokenBackend } from "./auth_store.ts";
import {
  importFromKiwi,
  type KeychainLister,
  type KeychainReader,
  kiwiKeychainReader,
} from "./kiwi.ts";

const stores = new WeakMap<Context, AuthStore>();

/**
 * Reads one field of a service with credkit's precedence: the environment
 * (a variable that is set wins, even empty), then the readable stores, then
 * the field's default.
 *
 * @example
 * ```ts
 * await resolveServiceField(ctx, "supabase", "url"); // "https://xyz.supabase.co"
 * ```
 */
export async function resolveServiceField(
  ctx: Context,
  service: string,
  field: string,
): Promise<string | undefined> {
  const services = (await ctx.config()).services;
  const def = Object.hasOwn(services, service) ? services[service] : undefined;
  if (!def || !Object.hasOwn(def.fields, field)) return undefined;
  const resolved = await resolveServices([def], {
    env: ctx.env,
    stores: await ctx.stores.readable("credentials"),
    onStoreError:
      () => {/* an unreachable keychain was reported by the stores; the file store is read */},
  });
  return resolved[service]?.[field]?.value;
}

/**
 * The AuthStore of a command context (one per context, so its cache and
 * in-flight refreshes are shared): tokens in the context's stores, locks
 * under `ctx.stateDir`, supabase URL and anon key resolved like any field.
 *
 * @example
 * ```ts
 * const token = await authStoreFromContext(ctx).getToken("supabase");
 * ```
 */
export function authStoreFromContext(ctx: Context): AuthStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new AuthStore({
      backend: storesTokenBackend(ctx.stores),
      services: async () => (await ctx.config()).services,
      clock: ctx.clock,
      fetch: ctx.fetch,
      lockDir: ctx.stateDir,
      resolveField: (service, field) => resolveServiceField(ctx, service, field),
    });
    stores.set(ctx, store);
  }
  return store;
}

/**
 * Imports the tokens the Python kiwi-mcp AuthStore left in the keychain into
 * the context's AuthStore; returns the services imported (the caller reports).
 *
 * @example
 * ```ts
 * const services = await importKiwi(ctx); // ["supabase"]
 * ```
 */
export async function importKiwi(
  ctx: Context,
  reader: { readKeychain: KeychainReader; listAccounts: KeychainLister } = kiwiKeychainReader(),
): Promise<string[]> {
  const services = Object.keys((await ctx.config()).services);
  return await importFromKiwi(
    authStoreFromContext(ctx),
    reader.readKeychain,
    reader.listAccounts,
    { services },
  );
}

/**
 * A resolver for {@link resolveServices}' `authToken`: the service's token,
 * or `undefined` when it has none. A token that cannot be used (sign-in
 * required after a rejected refresh, refresh failed) is reported on stderr
 * and treated as missing; a service never signed in stays silent.
 *
 * @example
 * ```ts
 * const resolved = await resolveWith(ctx, services, authTokenResolver(ctx));
 * ```
 */
export function authTokenResolver(
  ctx: Context,
): (service: ServiceDef) => Promise<string | undefined> {
  return async (service) => {
    // Loaded on first use: most runs need no token and skip the OAuth client.
    const { AuthenticationRequired } = await import("./errors.ts");
    try {
      return await authStoreFromContext(ctx).getToken(service.name);
    } catch (err) {
      if (err instanceof AuthenticationRequired && err.reason === "no token") return undefined;
      if (err instanceof CredkitError) {
        if (!ctx.globals.quiet) ctx.io.err(`credkit: ${err.message}\n`);
        return undefined;
      }
      throw err;
    }
  };
}
