/**
 * Access tokens for `run`, `server` and `test`: a service with `auth` gets
 * its AuthStore token (refreshed as needed) in its secret fields' variables.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";
import type { Context } from "./context.ts";

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
    const [{ authStoreFromContext }, { AuthenticationRequired }] = await Promise.all([
      import("./auth.ts"),
      import("../auth/errors.ts"),
    ]);
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
