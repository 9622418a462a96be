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
import type { TokenMetadata, TokenSet } from "../auth/auth_store.ts";
import { authStoreFromContext, resolveServiceField } from "../auth/context_store.ts";
import { AuthenticationRequired } from "../auth/errors.ts";
import { deviceSignin, tokenSetFromResponse } from "../auth/oauth2.ts";
import { supabaseProject, supabaseSignin } from "../auth/supabase.ts";
import { renderTable } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/**
 * Parses what `auth signin --token-stdin` reads: a bare access token, or an
 * RFC 6749 §5.1 JSON token response. Error messages never quote the input.
 *
 * @example
 * ```ts
 * parseTokenInput('{"access_token":"a","refresh_token":"r","expires_in":3600,"scope":"read"}');
 * parseTokenInput("ghp_abc\n"); // { accessToken: "ghp_abc" }
 * ```
 */
export function parseTokenInput(text: string): TokenSet {
  const trimmed = text.trim();
  if (!trimmed) throw usageError("Cannot read a token from stdin", "stdin is empty");
  if (trimmed.startsWith("{")) {
    let body: unknown;
    try {
      body = JSON.parse(trimmed);
    } catch {
      throw usageError("Cannot read a token from stdin", "it starts with { but is not valid JSON");
    }
    const obj = body as Record<string, unknown>;
    if (typeof obj.access_token !== "string" || !obj.access_token) {
      throw usageError("Cannot read a token from stdin", 'the JSON has no "access_token" string');
    }
    if (obj.expires_in !== undefined && !Number.isFinite(Number(obj.expires_in))) {
      throw usageError("Cannot read a token from stdin", '"expires_in" is not a number');
    }
    return tokenSetFromResponse(obj);
  }
  if (/\s/.test(trimmed)) {
    throw usageError(
      "Cannot read a token from stdin",
      "expected one token, or a JSON token response",
    );
  }
  return { accessToken: trimmed };
}

function scopesOption(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  const scopes = list.flatMap((v) => String(v).split(/[\s,]+/)).filter(Boolean);
  return scopes.length ? [...new Set(scopes)] : undefined;
}

function describeExpiry(meta: TokenMetadata, nowMs: number): string {
  if (meta.expiresAt === undefined) return "never";
  const left = Math.round(meta.expiresAt - nowMs / 1000);
  const human = (s: number) => {
    const a = Math.abs(s);
    if (a < 90) return `${a} s`;
    if (a < 90 * 60) return `${Math.round(a / 60)} min`;
    if (a < 48 * 3600) return `${Math.round(a / 3600)} h`;
    return `${Math.round(a / 86400)} d`;
  };
  if (left > 0) return `in ${human(left)}`;
  return `expired ${human(left)} ago${meta.hasRefreshToken ? " (refreshable)" : ""}`;
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

function statusRecord(service: string, meta: TokenMetadata | undefined, nowMs: number) {
  if (!meta) {
    return {
      service,
      authenticated: false,
      account: null,
      scopes: [],
      expiresAt: null,
      expiresIn: null,
      refreshable: false,
      store: null,
    };
  }
  const expiresIn = meta.expiresAt === undefined ? null : Math.round(meta.expiresAt - nowMs / 1000);
  return {
    service,
    authenticated: expiresIn === null || expiresIn > 0 || meta.hasRefreshToken,
    account: meta.account ?? null,
    scopes: meta.scopes,
    expiresAt: meta.expiresAt === undefined ? null : new Date(meta.expiresAt * 1000).toISOString(),
    expiresIn,
    refreshable: meta.hasRefreshToken,
    store: meta.store,
  };
}

async function status(ctx: Context, args: ParsedArgs): Promise<number> {
  const auth = authStoreFromContext(ctx);
  const named = args.positionals[1];
  if (named) await knownService(ctx, named, "show the status of");
  const services = named ? [named] : await auth.listServices();
  const now = ctx.clock();
  const records = [];
  for (const service of services) {
    records.push(statusRecord(service, await auth.getCachedMetadata(service), now));
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

async function readPassword(ctx: Context, args: ParsedArgs, service: string): Promise<string> {
  if (args.values["password-stdin"]) {
    const text = (await ctx.io.readStdin()).replace(/\r?\n$/, "");
    if (!text) throw usageError(`Cannot sign in to ${service}`, "stdin is empty");
    return text;
  }
  if (ctx.globals.noInput) {
    throw usageError(
      `Cannot sign in to ${service}`,
      "no password and prompting is off",
      "pipe it with --password-stdin",
    );
  }
  const password = await ctx.io.prompt("Password: ", { hidden: true });
  if (!password) throw usageError(`Cannot sign in to ${service}`, "empty password");
  return password;
}

async function signin(ctx: Context, args: ParsedArgs): Promise<number> {
  const name = args.positionals[1];
  const def = await knownService(ctx, name, "sign in to");
  const service = name!;
  const modes = ["token-stdin", "password-stdin", "device"].filter((m) => args.values[m]);
  if (modes.length > 1) {
    throw usageError(
      `Cannot sign in to ${service}`,
      `--${modes.join(" and --")} cannot be combined`,
    );
  }
  const scopes = scopesOption(args.values.scope);
  let token: TokenSet;
  if (args.values["token-stdin"]) {
    token = parseTokenInput(await ctx.io.readStdin());
  } else if (def.auth?.type === "supabase") {
    if (args.values.device) {
      throw usageError(`Cannot sign in to ${service} with --device`, "Supabase has no device flow");
    }
    let email = typeof args.values.email === "string" ? args.values.email : undefined;
    if (!email) {
      if (ctx.globals.noInput) {
        throw usageError(`Cannot sign in to ${service}`, "no e-mail address", "pass --email");
      }
      email = (await ctx.io.prompt("Email: ")).trim();
      if (!email) throw usageError(`Cannot sign in to ${service}`, "no e-mail address");
    }
    const password = await readPassword(ctx, args, service);
    const resolve = (s: string, f: string) => resolveServiceField(ctx, s, f);
    token = await supabaseSignin({
      service,
      project: await supabaseProject(service, def, resolve),
      email,
      password,
      fetch: ctx.fetch,
      clock: ctx.clock,
    });
  } else if (def.auth?.type === "oauth2") {
    if (args.values["password-stdin"]) {
      throw usageError(`Cannot sign in to ${service}`, "--password-stdin is for Supabase services");
    }
    if (!def.auth.deviceAuthorizationEndpoint) {
      throw usageError(
        `Cannot sign in to ${service}`,
        "its auth settings have no deviceAuthorizationEndpoint",
        `pipe a token with: credkit auth signin ${service} --token-stdin`,
      );
    }
    token = await deviceSignin({
      service,
      config: def.auth,
      scopes,
      fetch: ctx.fetch,
      clock: ctx.clock,
      onPrompt: (p) => {
        ctx.io.err(
          `To sign in to ${service}, open ${p.verificationUri} and enter the code ${p.userCode}\n` +
            (p.verificationUriComplete ? `(or open ${p.verificationUriComplete})\n` : "") +
            `Waiting for approval (the code expires in ${Math.round(p.expiresIn / 60)} min)…\n`,
        );
      },
    });
  } else {
    throw usageError(
      `Cannot sign in to ${service}`,
      "the service has no auth settings",
      `pipe a token with: credkit auth signin ${service} --token-stdin`,
    );
  }
  if (scopes && !token.scopes?.length) token.scopes = scopes;
  if (typeof args.values.account === "string" && args.values.account) {
    token.account = args.values.account;
  }
  const auth = authStoreFromContext(ctx);
  await auth.setToken(service, token);
  const meta = await auth.getCachedMetadata(service);
  if (ctx.globals.json) {
    ctx.io.out(JSON.stringify(statusRecord(service, meta, ctx.clock()), null, 2) + "\n");
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

async function logout(ctx: Context, args: ParsedArgs): Promise<number> {
  const service = args.positionals[1];
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

async function token(ctx: Context, args: ParsedArgs): Promise<number> {
  const service = args.positionals[1];
  if (!service) {
    throw usageError(
      "Cannot print a token",
      "no service given",
      "usage: credkit auth token <service>",
    );
  }
  const scope = typeof args.values.scope === "string"
    ? args.values.scope
    : Array.isArray(args.values.scope)
    ? String(args.values.scope[0] ?? "") || undefined
    : undefined;
  const value = await authStoreFromContext(ctx).getToken(service, { scope });
  ctx.io.out(value + "\n");
  return 0;
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
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    try {
      const sub = args.positionals[0];
      switch (sub) {
        case "signin":
        case "login":
          return await signin(ctx, args);
        case "status":
          return await status(ctx, args);
        case "logout":
        case "signout":
          return await logout(ctx, args);
        case "token":
          return await token(ctx, args);
        default:
          throw usageError(
            "Cannot run auth",
            sub ? `unknown subcommand "${sub}"` : "no subcommand given",
            "use: credkit auth signin|status|logout|token <service>",
          );
      }
    } catch (err) {
      if (err instanceof CredkitError || err instanceof AuthenticationRequired) {
        ctx.io.err(formatError(err) + "\n");
        return exitCodeFor(err);
      }
      throw err;
    }
  },
};
