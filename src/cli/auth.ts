/**
 * `credkit auth signin | status | logout | token`: user tokens kept by the
 * AuthStore. Tokens are written to the writable store (keychain by default,
 * the file store only when chosen) and never printed, except by `auth token`,
 * whose whole purpose is to hand one to a script on stdout.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import { CredkitError, exitCodeFor, formatError, usageError } from "../errors.ts";
import { authStoreFromContext } from "../auth/context_store.ts";
import { obtainToken } from "../auth/signin.ts";
import { describeExpiry, tokenStatus } from "../auth/token_status.ts";
import { AuthenticationRequired } from "../auth/errors.ts";
import { optBool, optString, optStrings, renderTable } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The options of `credkit auth signin`, parsed once. */
export interface AuthSigninOptions {
  /** The subcommand (`login` is read as `signin`). */
  sub: "signin";
  /** The service to sign in to. */
  service?: string;
  /** `--email E` (Supabase); prompted for on a TTY when absent. */
  email?: string;
  /** `--password-stdin`: read the password (Supabase) from stdin. */
  passwordStdin: boolean;
  /** `--token-stdin`: read a bare token or a JSON token response from stdin. */
  tokenStdin: boolean;
  /** `--device`: the OAuth 2 device flow. */
  device: boolean;
  /** `--scope S`… (space- or comma-separated, deduplicated); `undefined` when none. */
  scopes?: string[];
  /** `--account A`: the account name to record with the token. */
  account?: string;
}

/** The options of `credkit auth status`, parsed once. */
export interface AuthStatusOptions {
  /** The subcommand. */
  sub: "status";
  /** One service to show; all stored tokens when absent. */
  service?: string;
}

/** The options of `credkit auth logout`, parsed once. */
export interface AuthLogoutOptions {
  /** The subcommand (`signout` is read as `logout`). */
  sub: "logout";
  /** The service to sign out of. */
  service?: string;
}

/** The options of `credkit auth token`, parsed once. */
export interface AuthTokenOptions {
  /** The subcommand. */
  sub: "token";
  /** The service whose token is printed. */
  service?: string;
  /** The first `--scope`: a scope the token must carry. */
  scope?: string;
}

/** The options of `credkit auth`, one shape per subcommand. */
export type AuthOptions =
  | AuthSigninOptions
  | AuthStatusOptions
  | AuthLogoutOptions
  | AuthTokenOptions;

function scopesOption(values: string[]): string[] | undefined {
  const scopes = values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);
  return scopes.length ? [...new Set(scopes)] : undefined;
}

/**
 * Parses `auth`'s arguments into the options of its subcommand; exit 2 for
 * an unknown or missing subcommand.
 *
 * @example
 * ```ts
 * parseAuthOptions({ values: { scope: ["read"] }, positionals: ["token", "github"], rest: [] });
 * // { sub: "token", service: "github", scope: "read" }
 * ```
 */
export function parseAuthOptions(args: ParsedArgs): AuthOptions {
  const [sub, service] = args.positionals;
  switch (sub) {
    case "signin":
    case "login":
      return {
        sub: "signin",
        service,
        email: optString(args, "email"),
        passwordStdin: optBool(args, "password-stdin"),
        tokenStdin: optBool(args, "token-stdin"),
        device: optBool(args, "device"),
        scopes: scopesOption(optStrings(args, "scope")),
        account: optString(args, "account"),
      };
    case "status":
      return { sub: "status", service };
    case "logout":
    case "signout":
      return { sub: "logout", service };
    case "token":
      return { sub: "token", service, scope: optStrings(args, "scope")[0] || undefined };
    default:
      throw usageError(
        "Cannot run auth",
        sub ? `unknown subcommand "${sub}"` : "no subcommand given",
        "use: credkit auth signin|status|logout|token <service>",
      );
  }
}

async function knownService(
  ctx: Context,
  name: string | undefined,
  what: string,
): Promise<ServiceDef> {
  if (!name) {
    throw usageError(
      `Cannot ${what}`,
      "no service given",
      "usage: credkit auth " + what + " <service>",
    );
  }
  const services = (await ctx.config()).services;
  if (!Object.hasOwn(services, name)) {
    throw usageError(
      `Cannot ${what} ${name}`,
      "unknown service",
      `known services: ${Object.keys(services).sort().join(", ")}`,
    );
  }
  return services[name];
}

async function status(ctx: Context, opts: AuthStatusOptions): Promise<number> {
  const auth = authStoreFromContext(ctx);
  const named = opts.service;
  if (named) await knownService(ctx, named, "show the status of");
  const services = named ? [named] : await auth.listServices();
  const now = ctx.clock();
  const records = [];
  for (const service of services) {
    records.push(tokenStatus(service, await auth.getCachedMetadata(service), now));
  }
  if (ctx.globals.json) {
    ctx.io.out(JSON.stringify({ services: records }, null, 2) + "\n");
  } else if (records.length === 0) {
    if (!ctx.globals.quiet) {
      ctx.io.err("No tokens stored. Sign in with: credkit auth signin <service>\n");
    }
  } else {
    const rows = [["SERVICE", "ACCOUNT", "SCOPES", "EXPIRES", "STORE"]];
    for (const r of records) {
      const meta = await auth.getCachedMetadata(r.service);
      rows.push([
        r.service,
        r.account ?? "-",
        r.scopes.length ? r.scopes.join(" ") : "-",
        meta ? describeExpiry(meta, now) : "not signed in",
        r.store ?? "-",
      ]);
    }
    ctx.io.out(renderTable(rows));
  }
  return named && !records[0].authenticated ? 3 : 0;
}

async function signin(ctx: Context, opts: AuthSigninOptions): Promise<number> {
  const def = await knownService(ctx, opts.service, "sign in to");
  const service = opts.service!;
  const modes = [
    opts.tokenStdin && "token-stdin",
    opts.passwordStdin && "password-stdin",
    opts.device && "device",
  ].filter(Boolean);
  if (modes.length > 1) {
    throw usageError(
      `Cannot sign in to ${service}`,
      `--${modes.join(" and --")} cannot be combined`,
    );
  }
  const scopes = opts.scopes;
  const token = await obtainToken(ctx, def, opts);
  if (scopes && !token.scopes?.length) token.scopes = scopes;
  if (opts.account) token.account = opts.account;
  const auth = authStoreFromContext(ctx);
  await auth.setToken(service, token);
  const meta = await auth.getCachedMetadata(service);
  if (ctx.globals.json) {
    ctx.io.out(JSON.stringify(tokenStatus(service, meta, ctx.clock()), null, 2) + "\n");
  } else if (!ctx.globals.quiet && meta) {
    ctx.io.err(
      `Signed in to ${service}${
        meta.account ? ` as ${meta.account}` : ""
      }; token stored in ${meta.store}` +
        ` (expires ${describeExpiry(meta, ctx.clock())})\n`,
    );
  }
  return 0;
}

async function logout(ctx: Context, opts: AuthLogoutOptions): Promise<number> {
  const service = opts.service;
  if (!service) {
    throw usageError("Cannot sign out", "no service given", "usage: credkit auth logout <service>");
  }
  const removed = await authStoreFromContext(ctx).clearToken(service);
  if (ctx.globals.json) {
    ctx.io.out(JSON.stringify({ service, removed }) + "\n");
  } else if (!ctx.globals.quiet) {
    ctx.io.err(removed ? `Signed out of ${service}\n` : `Not signed in to ${service}\n`);
  }
  return 0;
}

async function token(ctx: Context, opts: AuthTokenOptions): Promise<number> {
  const service = opts.service;
  if (!service) {
    throw usageError(
      "Cannot print a token",
      "no service given",
      "usage: credkit auth token <service>",
    );
  }
  const value = await authStoreFromContext(ctx).getToken(service, { scope: opts.scope });
  ctx.io.out(value + "\n");
  return 0;
}

/**
 * Runs `auth` with parsed options.
 *
 * @example
 * ```ts
 * const code = await runAuth(ctx, { sub: "status", service: "github" });
 * ```
 */
export function runAuth(ctx: Context, opts: AuthOptions): Promise<number> {
  switch (opts.sub) {
    case "signin":
      return signin(ctx, opts);
    case "status":
      return status(ctx, opts);
    case "logout":
      return logout(ctx, opts);
    case "token":
      return token(ctx, opts);
  }
}

/** Runs `fn`; a credkit error is printed on stderr and becomes its exit code. */
async function reportingErrors(ctx: Context, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CredkitError || err instanceof AuthenticationRequired) {
      ctx.io.err(formatError(err) + "\n");
      return exitCodeFor(err);
    }
    throw err;
  }
}

/**
 * The `auth` command.
 *
 * @example
 * ```ts
 * const code = await authCommand.run(ctx, { values: {}, positionals: ["status"], rest: [] });
 * ```
 */
export const authCommand: Command = {
  name: "auth",
  summary: "sign in to services and keep their OAuth tokens fresh",
  usage: `Usage:
  credkit auth signin <service> [--email E] [--password-stdin | --token-stdin | --device] [--scope S]…
  credkit auth status [service] [--json]
  credkit auth logout <service>
  credkit auth token <service> [--scope S]

signin   Supabase services: e-mail and password (prompted on a TTY, or --password-stdin).
         OAuth 2 services: the device flow (open a URL, enter a code).
         Any service: --token-stdin reads a bare access token or a JSON token response
         ({"access_token", "refresh_token", "expires_in", "scope"}).
status   Service, account, scopes, expiry and store of each token; never a token.
logout   Removes the stored token.
token    Prints a valid access token (refreshed when needed) for scripts; exit 3 when
         a sign-in is needed.

Example:
  printf '%s' "$PASSWORD" | credkit auth signin supabase --email me@example.com --password-stdin
  curl -H "Authorization: Bearer $(credkit auth token supabase)" "$SUPABASE_URL/rest/v1/items"
`,
  options: {
    email: { type: "string" },
    "password-stdin": { type: "boolean" },
    "token-stdin": { type: "boolean" },
    device: { type: "boolean" },
    scope: { type: "string", multiple: true },
    account: { type: "string" },
  },
  maxPositionals: 2,
  subcommands: ["signin", "status", "logout", "token"],
  run: (ctx: Context, args: ParsedArgs): Promise<number> =>
    reportingErrors(ctx, () => runAuth(ctx, parseAuthOptions(args))),
};
