/**
 * Access tokens of one remote MCP server, kept in the AuthStore (one entry
 * per server: tokens, expiry, and the client registration beside them).
 *
 * Concurrency across processes: refreshes go through the AuthStore (one
 * refresh under its lock, the rotated refresh token saved before use); a new
 * authorization runs under a second lock file, and every process re-reads
 * the entry under that lock first, so N processes make one authorization.
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import type { AuthStore, RefreshRequest, TokenSet } from "../../auth/auth_store.ts";
import { AuthenticationRequired } from "../../auth/errors.ts";
import { refreshOAuth2 } from "../../auth/oauth2.ts";
import type { ServiceDef } from "../../catalog.ts";
import { CredkitError } from "../../errors.ts";
import { safeName } from "../../safe_name.ts";
import type { Fields } from "../../store/backend.ts";
import { withFileLock } from "../../store/lock.ts";
import type { Authorized, StoredRegistration } from "./authorize.ts";

/** What the provider needs to run an authorization. */
export type RunAuthorization = (request: {
  scopes: string[];
  resourceMetadataUrl?: string;
  stored: StoredRegistration;
}) => Promise<Authorized>;

/** Options of {@link McpTokenProvider}. */
export interface McpTokenProviderOptions {
  /** The AuthStore holding the server's entry. */
  auth: AuthStore;
  /** The AuthStore service (entry) name of the server. */
  service: string;
  /** Directory of the lock files (the AuthStore's). */
  lockDir: string;
  /** Runs the browser authorization when no token can be had otherwise. */
  runAuthorization: RunAuthorization;
  /** Reads the entry's non-token fields (registration) straight from the store. */
  readEntry: () => Promise<Fields | undefined>;
  /** Scopes given with --scope. */
  scopes: string[];
  /**
   * How long a process waits for another one's authorization, in milliseconds.
   *
   * @default {600000}
   */
  authorizeTimeoutMs?: number;
}

/**
 * The AuthStore refresher for MCP server entries: a refresh_token grant at the
 * token endpoint stored in the entry, as the registered client.
 *
 * @example
 * ```ts
 * new AuthStore({ ..., refreshers: { oauth2: mcpRefresher } });
 * ```
 */
export function mcpRefresher(request: RefreshRequest): Promise<TokenSet> {
  const { token_endpoint, client_id, client_secret } = request.extra ?? {};
  if (!token_endpoint || !client_id) {
    return Promise.reject(
      new AuthenticationRequired(request.service, "no client registration stored"),
    );
  }
  const def: ServiceDef = {
    ...request.def,
    auth: { type: "oauth2", tokenEndpoint: token_endpoint, clientId: client_id },
  };
  if (client_secret && def.auth?.type === "oauth2") def.auth.clientSecret = client_secret;
  return refreshOAuth2({ ...request, def });
}

/**
 * The service definition the AuthStore sees for an MCP server entry.
 *
 * @example
 * ```ts
 * mcpServiceDef("mcp-example.com");
 * ```
 */
export function mcpServiceDef(service: string): ServiceDef {
  return {
    name: service,
    fields: {},
    // The real endpoint and client come from the entry (see mcpRefresher).
    auth: { type: "oauth2", tokenEndpoint: "https://invalid.invalid/token", clientId: "-" },
  };
}

/**
 * Hands out the access token of one MCP server and gets a new one when the
 * server rejects it.
 *
 * @example
 * ```ts
 * const tokens = new McpTokenProvider({ auth, service, lockDir, runAuthorization, readEntry, scopes: [] });
 * const token = await tokens.current(); // undefined before the first sign-in
 * ```
 */
export class McpTokenProvider {
  readonly #o: McpTokenProviderOptions;
  readonly #seen = new Set<string>();
  #pending: Promise<string> | undefined;

  /**
   * A provider for the server that `options.service` names.
   *
   * @param options The AuthStore, the entry name, the lock directory and the authorization step.
   */
  constructor(options: McpTokenProviderOptions) {
    this.#o = options;
  }

  /** Every token and client secret this process has handled (for masking). */
  get secrets(): string[] {
    return [...this.#seen];
  }

  #remember(token: string): string {
    this.#seen.add(token);
    return token;
  }

  /** The stored token (refreshed near its expiry), or `undefined` when there is none. */
  async current(): Promise<string | undefined> {
    try {
      return this.#remember(await this.#o.auth.getToken(this.#o.service));
    } catch (err) {
      if (err instanceof AuthenticationRequired) return undefined;
      throw err;
    }
  }

  /**
   * A token to retry with after the server answered 401 (or 403
   * `insufficient_scope` with `scopes`): the rejected token refreshed, a
   * sibling's newer token, or a new authorization.
   */
  unauthorized(
    rejected: string | undefined,
    challenge: { scopes: string[]; resourceMetadataUrl?: string; stepUp?: boolean },
  ): Promise<string> {
    // Calls in one process share one answer.
    this.#pending ??= this.#recover(rejected, challenge).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #recover(
    rejected: string | undefined,
    challenge: { scopes: string[]; resourceMetadataUrl?: string; stepUp?: boolean },
  ): Promise<string> {
    const { auth, service } = this.#o;
    if (rejected && !challenge.stepUp) {
      try {
        const next = await auth.getToken(service, { rejected });
        if (next !== rejected) return this.#remember(next);
      } catch (err) {
        if (!(err instanceof AuthenticationRequired)) throw err;
      }
    }
    fs.mkdirSync(this.#o.lockDir, { recursive: true, mode: 0o700 });
    const lock = join(this.#o.lockDir, `mcp-authorize-${safeName(service)}.lock`);
    return await withFileLock(lock, async () => {
      // Another process may have signed in while this one waited.
      const wanted = [...new Set([...this.#o.scopes, ...challenge.scopes])];
      try {
        const token = await auth.getToken(service, { reload: true });
        const meta = await auth.getCachedMetadata(service);
        const hasScopes = !challenge.stepUp ||
          wanted.every((s) => meta?.scopes.includes(s) ?? false);
        if (token !== rejected && hasScopes) return this.#remember(token);
      } catch (err) {
        if (!(err instanceof AuthenticationRequired)) throw err;
      }
      const entry = (await this.#o.readEntry()) ?? {};
      if (challenge.stepUp) {
        for (const s of (entry.scopes ?? "").split(/\s+/).filter(Boolean)) {
          if (!wanted.includes(s)) wanted.push(s);
        }
      }
      const done = await this.#o.runAuthorization({
        scopes: wanted,
        resourceMetadataUrl: challenge.resourceMetadataUrl,
        stored: entry as StoredRegistration,
      });
      if (done.registration.client_secret) this.#seen.add(done.registration.client_secret);
      const extra: Fields = {};
      for (const [k, v] of Object.entries(done.registration)) if (v) extra[k] = v;
      const token: TokenSet = { ...done.token, extra };
      if (!token.scopes?.length && wanted.length) token.scopes = wanted;
      if (token.refreshToken) this.#seen.add(token.refreshToken);
      await auth.setToken(service, token);
      return this.#remember(token.accessToken);
    }, { timeoutMs: this.#o.authorizeTimeoutMs ?? 600000, retryMs: 100 });
  }
}

/**
 * The error for a server that still refuses after a fresh token.
 *
 * @example
 * ```ts
 * throw stillUnauthorized("https://mcp.example", 401);
 * ```
 */
export function stillUnauthorized(origin: string, status: number): CredkitError {
  return new CredkitError(
    "auth_required",
    `Cannot reach ${origin}`,
    `the server answered HTTP ${status} to a fresh token`,
    "check --scope, or run: credkit auth logout <service> and connect again",
  );
}
