/**
 * `credkit mcp connect <url>`: a stdio MCP server for the local client that
 * relays to a remote MCP server, with the authorization done by credkit and
 * the tokens kept in the AuthStore.
 *
 * @module
 */
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { AuthStore, storesTokenBackend } from "../../auth/auth_store.ts";
import { CredkitError, usageError } from "../../errors.ts";
import { secretValues, toEnvironment } from "../../resolve.ts";
import type { Context } from "../../cli/context.ts";
import { resolveWith } from "../../cli/common.ts";
import { authTokenResolver } from "../../auth/context_store.ts";
import { maskString } from "../../mask/policy.ts";
import { authFetch } from "./auth_fetch.ts";
import { authorize } from "./authorize.ts";
import { openBrowser } from "./browser.ts";
import { fillPlaceholders, fillUrl, parseHeaderOptions, placeholderNames } from "./placeholders.ts";
import { relayMcp } from "./relay.ts";
import { defaultServiceName } from "./service_name.ts";
import { mcpRefresher, mcpServiceDef, McpTokenProvider } from "./token_provider.ts";

/** Options of `mcp connect`. */
export interface ConnectOptions {
  /** The remote MCP server URL (may hold `${VAR}` in query values). */
  url: string;
  /** `Name: value` strings; values may hold `${VAR}`. */
  headers: string[];
  /**
   * The AuthStore service the server's tokens are kept under.
   *
   * @default {"mcp-<host>[-<port>]"}
   */
  service?: string;
  /** Scopes to ask for (`--scope`), added to those the server names. */
  scopes: string[];
  /** A client id registered by the user (no dynamic registration then). */
  clientId?: string;
  /** Print the authorization URL only, never start a browser. */
  noBrowser: boolean;
  /**
   * Where the local client's messages come from.
   *
   * @default {process.stdin}
   */
  stdin?: Readable;
  /**
   * Where messages to the local client go.
   *
   * @default {process.stdout}
   */
  stdout?: Writable;
}

/** Values of the `${VAR}` names, from the resolved credentials (then the environment). */
async function placeholderValues(
  ctx: Context,
  names: string[],
): Promise<{ values: Record<string, string>; secrets: string[] }> {
  if (names.length === 0) return { values: {}, secrets: [] };
  const services = Object.values((await ctx.config()).services).filter((s) =>
    Object.values(s.fields).some((f) => f.env.some((v) => names.includes(v)))
  );
  const resolved = services.length ? await resolveWith(ctx, services, authTokenResolver(ctx)) : {};
  const env = toEnvironment(resolved);
  const values: Record<string, string> = {};
  const secrets = secretValues(resolved);
  for (const name of names) {
    const value = env[name] ?? ctx.env[name];
    if (value !== undefined) {
      values[name] = value;
      secrets.push(value);
    }
  }
  return { values, secrets };
}

/**
 * Runs the bridge until the local client closes stdin; returns the exit code.
 *
 * @example
 * ```ts
 * await runConnect(ctx, { url: "https://mcp.example/mcp", headers: [], scopes: [], noBrowser: false });
 * ```
 */
export async function runConnect(ctx: Context, options: ConnectOptions): Promise<number> {
  let rawUrl: URL;
  try {
    rawUrl = new URL(options.url);
  } catch {
    throw usageError(
      "Cannot connect",
      "the URL is not valid",
      "example: credkit mcp connect https://mcp.example.com/mcp",
    );
  }
  if (rawUrl.protocol !== "https:" && rawUrl.protocol !== "http:") {
    throw usageError("Cannot connect", "the URL must use https (or http on a loopback address)");
  }
  const headerOptions = parseHeaderOptions(options.headers);
  const names = placeholderNames([
    ...headerOptions.map((h) => h.value),
    ...[...rawUrl.searchParams.values()],
  ]);
  const { values, secrets: staticSecrets } = await placeholderValues(ctx, names);
  const headers: Record<string, string> = {};
  for (const h of headerOptions) {
    const value = fillPlaceholders(h.value, values);
    headers[h.name.toLowerCase()] = value;
    staticSecrets.push(value, value.replace(/^\S+\s+/, ""));
  }
  const url = fillUrl(rawUrl, values);
  const service = options.service ?? defaultServiceName(rawUrl);
  if (!/^[A-Za-z0-9_.-]+$/.test(service)) {
    throw usageError("Cannot connect", "--service may hold letters, digits, '.', '_' and '-'");
  }
  const quiet = ctx.globals.quiet;
  const note = (text: string) => {
    if (!quiet) ctx.io.err(`credkit mcp connect: ${maskString(text, secrets())}\n`);
  };

  let tokens: McpTokenProvider | undefined;
  if (!("authorization" in headers)) {
    const backend = storesTokenBackend(ctx.stores);
    const auth = new AuthStore({
      backend,
      services: { [service]: mcpServiceDef(service) },
      refreshers: { oauth2: mcpRefresher },
      clock: ctx.clock,
      fetch: ctx.fetch,
      lockDir: ctx.stateDir,
      // Refresh at 80% of each token's lifetime (or on a 401), never on every call.
      refreshAtLifetimeLeft: 0.2,
    });
    tokens = new McpTokenProvider({
      auth,
      service,
      lockDir: ctx.stateDir,
      scopes: options.scopes,
      readEntry: () => backend.get(service),
      runAuthorization: ({ scopes, resourceMetadataUrl, stored }) =>
        authorize({
          serverUrl: url,
          resourceMetadataUrl,
          scopes,
          clientId: options.clientId,
          stored,
          fetch: ctx.fetch,
          present: async (authUrl) => {
            ctx.io.err(`credkit mcp connect: sign in to ${url.origin} at:\n  ${authUrl}\n`);
            if (options.noBrowser) return;
            const opened = await openBrowser(authUrl, {
              env: ctx.env,
              spawn: ctx.spawn,
              platform: process.platform,
            });
            if (!opened) note("could not start a browser; open the URL above");
          },
        }),
    });
  }
  const secrets = () => [...staticSecrets, ...(tokens?.secrets ?? [])];
  try {
    return await relayMcp({
      url,
      fetch: authFetch({ fetch: ctx.fetch, headers, tokens }),
      stdin: options.stdin ?? process.stdin,
      stdout: options.stdout ?? process.stdout,
      secrets,
      note,
    });
  } catch (err) {
    if (err instanceof CredkitError) throw err;
    throw new CredkitError(
      "error",
      `Cannot relay to ${url.origin}`,
      maskString(String((err as Error)?.message ?? err), secrets()),
    );
  }
}
