/**
 * The AuthStore: OAuth-style user tokens kept in one store entry per service,
 * cached in memory, and refreshed shortly before they expire.
 *
 * Refresh is safe under concurrency: callers in one process share one
 * in-flight refresh, and processes serialize on a lock file under the state
 * directory, re-read the entry under that lock and refresh only when the
 * token still needs it. A rotated refresh token is written to the store before
 * the new access token is handed out.
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import type { ServiceDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";
import { safeName } from "../safe_name.ts";
import { withFileLock } from "../store/lock.ts";
import { AuthenticationRequired, RefreshError } from "./errors.ts";
import { refreshOAuth2 } from "./oauth2.ts";
import { refreshSupabase } from "./supabase.ts";
import { parseTokenFields, splitScopes, toFields, type TokenRecord } from "./token_record.ts";
import type {
  AuthStoreOptions,
  GetTokenOptions,
  Refreshers,
  SetTokenInput,
  TokenBackend,
  TokenMetadata,
  TokenSet,
} from "./token_types.ts";

export type {
  AuthStoreOptions,
  GetTokenOptions,
  Refresher,
  Refreshers,
  RefreshRequest,
  SetTokenInput,
  TokenBackend,
  TokenMetadata,
  TokenSet,
} from "./token_types.ts";
export { parseTokenFields } from "./token_record.ts";
export { storesTokenBackend } from "./token_backend.ts";

/**
 * OAuth-style tokens per service, with automatic, concurrency-safe refresh.
 *
 * @example
 * ```ts
 * const auth = new AuthStore({
 *   backend: new MemoryBackend(), services: BUILTIN_SERVICES,
 *   clock: Date.now, fetch, lockDir: "/tmp/credkit-state",
 * });
 * await auth.setToken("supabase", { accessToken: "eyJ…", refreshToken: "r1", expiresIn: 3600 });
 * const token = await auth.getToken("supabase"); // refreshed when close to expiry
 * ```
 */
export class AuthStore {
  readonly #backend: TokenBackend;
  readonly #services: AuthStoreOptions["services"];
  readonly #refreshers: Refreshers;
  readonly #clock: () => number;
  readonly #fetch: typeof globalThis.fetch;
  readonly #lockDir: string;
  readonly #resolveField: (service: string, field: string) => Promise<string | undefined>;
  readonly #margin: number;
  readonly #lifetimeLeft: number | undefined;
  readonly #retryDelay: number;
  readonly #lockTimeoutMs: number;
  readonly #cache = new Map<string, TokenRecord>();
  readonly #inflight = new Map<string, Promise<TokenRecord>>();
  readonly #retryNotBefore = new Map<string, number>();
  #lockDirReady = false;

  /**
   * Creates a store over a token backend; nothing is read until a token is asked for.
   *
   * @param options The backend, the service catalog, the clock, fetch and refresh settings.
   */
  constructor(options: AuthStoreOptions) {
    this.#backend = options.backend;
    this.#services = options.services;
    this.#refreshers = { oauth2: refreshOAuth2, supabase: refreshSupabase, ...options.refreshers };
    this.#clock = options.clock;
    this.#fetch = options.fetch;
    this.#lockDir = options.lockDir;
    this.#resolveField = options.resolveField ?? (() => Promise.resolve(undefined));
    this.#margin = options.refreshMarginSeconds ?? 60;
    this.#lifetimeLeft = options.refreshAtLifetimeLeft;
    this.#retryDelay = options.retryDelaySeconds ?? 30;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? 60000;
  }

  /**
   * Stores a token for `service` (replacing any previous one).
   *
   * @example
   * ```ts
   * await auth.setToken("myapi", { accessToken: "at", refreshToken: "rt", expiresIn: 3600, scopes: ["read"] });
   * ```
   */
  async setToken(service: string, token: SetTokenInput): Promise<void> {
    if (!token.accessToken || typeof token.accessToken !== "string") {
      throw new CredkitError(
        "usage",
        `Cannot store a token for ${service}`,
        "the access token is empty",
      );
    }
    const record: TokenRecord = {
      accessToken: token.accessToken,
      refreshToken: token.refreshToken || undefined,
      expiresAt: this.#expiresAt(token),
      issuedAt: this.#issuedNow(),
      scopes: splitScopes(token.scopes),
      tokenType: (token.tokenType || "bearer").toLowerCase(),
      account: token.account || undefined,
      extra: { ...token.extra },
    };
    await this.#locked(service, async () => {
      await this.#backend.set(service, toFields(record));
    });
    this.#cache.set(service, record);
    this.#retryNotBefore.delete(service);
  }

  /**
   * A valid access token for `service`, refreshed first when it expires within
   * the refresh margin. Throws {@link AuthenticationRequired} when there is no
   * usable token or `scope` is missing, {@link RefreshError} when a needed
   * refresh failed transiently.
   *
   * @example
   * ```ts
   * const token = await auth.getToken("supabase", { scope: "registry:write" });
   * ```
   */
  async getToken(service: string, options: GetTokenOptions = {}): Promise<string> {
    let record = options.reload ? undefined : this.#cache.get(service);
    // A sign-in in another process may have added the scope: look again before failing.
    if (record && options.scope && !record.scopes.includes(options.scope)) record = undefined;
    if (record && options.rejected === record.accessToken) record = undefined;
    record ??= await this.#load(service);
    if (!record) throw new AuthenticationRequired(service, "no token");
    this.#checkScope(service, record, options.scope);
    const force = options.rejected !== undefined && options.rejected === record.accessToken;
    if (!force && !(await this.#needsRefresh(service, record))) return record.accessToken;
    if (
      !force && this.#isValid(record) &&
      this.#clock() < (this.#retryNotBefore.get(service) ?? 0)
    ) {
      return record.accessToken;
    }
    let pending = this.#inflight.get(service);
    if (!pending) {
      pending = this.#refreshLocked(service, record, force).finally(() =>
        this.#inflight.delete(service)
      );
      this.#inflight.set(service, pending);
    }
    record = await pending;
    this.#checkScope(service, record, options.scope);
    return record.accessToken;
  }

  /**
   * Removes the token of `service`; `true` when there was one.
   *
   * @example
   * ```ts
   * await auth.clearToken("supabase");
   * ```
   */
  async clearToken(service: string): Promise<boolean> {
    const removed = await this.#locked(service, () => this.#backend.remove(service));
    this.#cache.delete(service);
    this.#retryNotBefore.delete(service);
    return removed;
  }

  /**
   * Whether `service` has a token that is valid now or can be refreshed
   * (no network call is made).
   *
   * @example
   * ```ts
   * if (!(await auth.isAuthenticated("supabase"))) console.error("sign in first");
   * ```
   */
  async isAuthenticated(service: string): Promise<boolean> {
    const record = this.#cache.get(service) ?? await this.#load(service);
    if (!record) return false;
    return this.#isValid(record) || record.refreshToken !== undefined;
  }

  /**
   * Expiry, scopes, type, account and store of the token of `service`, or
   * `undefined` when there is none. Never contains a token.
   *
   * @example
   * ```ts
   * const meta = await auth.getCachedMetadata("supabase");
   * meta?.expiresAt; // epoch seconds
   * ```
   */
  async getCachedMetadata(service: string): Promise<TokenMetadata | undefined> {
    const record = this.#cache.get(service) ?? await this.#load(service);
    if (!record) return undefined;
    const meta: TokenMetadata = {
      scopes: [...record.scopes],
      tokenType: record.tokenType,
      hasRefreshToken: record.refreshToken !== undefined,
      store: this.#backend.storeOf?.(service) ?? this.#backend.name,
    };
    if (record.expiresAt !== undefined) meta.expiresAt = record.expiresAt;
    if (record.account) meta.account = record.account;
    return meta;
  }

  /**
   * Names of the services that have a stored token.
   *
   * @example
   * ```ts
   * await auth.listServices(); // ["supabase", "myapi"]
   * ```
   */
  async listServices(): Promise<string[]> {
    return (await this.#backend.list()).sort();
  }

  /** Issue time to record: only when refreshes are relative to the lifetime. */
  #issuedNow(): number | undefined {
    return this.#lifetimeLeft === undefined ? undefined : Math.floor(this.#clock() / 1000);
  }

  #expiresAt(token: TokenSet): number | undefined {
    if (token.expiresAt !== undefined && Number.isFinite(token.expiresAt)) {
      return Math.floor(token.expiresAt);
    }
    if (token.expiresIn !== undefined && Number.isFinite(token.expiresIn)) {
      return Math.floor(this.#clock() / 1000 + token.expiresIn);
    }
    return undefined;
  }

  async #load(service: string): Promise<TokenRecord | undefined> {
    const record = parseTokenFields(await this.#backend.get(service));
    if (record) this.#cache.set(service, record);
    else this.#cache.delete(service);
    return record;
  }

  #checkScope(service: string, record: TokenRecord, scope: string | undefined): void {
    if (scope && !record.scopes.includes(scope)) {
      throw new AuthenticationRequired(service, `scope ${scope} missing`, { scope });
    }
  }

  #isValid(record: TokenRecord): boolean {
    return record.expiresAt === undefined || this.#clock() / 1000 < record.expiresAt;
  }

  async #serviceDef(service: string): Promise<ServiceDef | undefined> {
    const services = typeof this.#services === "function" ? await this.#services() : this.#services;
    return Object.hasOwn(services, service) ? services[service] : undefined;
  }

  async #needsRefresh(service: string, record: TokenRecord): Promise<boolean> {
    if (record.expiresAt === undefined) return false;
    const now = this.#clock() / 1000;
    if (now >= record.expiresAt) return true;
    const def = await this.#serviceDef(service);
    let margin = def?.auth?.refreshMarginSeconds ?? this.#margin;
    // Relative to the token's own lifetime, not a fixed margin that could
    // exceed the lifetime itself.
    const left = this.#lifetimeLeft;
    if (left !== undefined && record.issuedAt !== undefined && record.expiresAt > record.issuedAt) {
      margin = Math.min(margin, (record.expiresAt - record.issuedAt) * left);
    }
    return now >= record.expiresAt - margin;
  }

  async #locked<T>(service: string, fn: () => Promise<T>): Promise<T> {
    if (!this.#lockDirReady) {
      try {
        fs.mkdirSync(this.#lockDir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new CredkitError(
          "store_unavailable",
          `Cannot create the state directory ${this.#lockDir}`,
          (err as NodeJS.ErrnoException).code ?? String(err),
        );
      }
      this.#lockDirReady = true;
    }
    return await withFileLock(join(this.#lockDir, `auth-${safeName(service)}.lock`), fn, {
      timeoutMs: this.#lockTimeoutMs,
    });
  }

  /** Refreshes under the cross-process lock, after re-reading the entry. */
  #refreshLocked(service: string, seen: TokenRecord, force = false): Promise<TokenRecord> {
    return this.#locked(service, async () => {
      const current = parseTokenFields(await this.#backend.get(service));
      if (!current) {
        this.#cache.delete(service);
        throw new AuthenticationRequired(service, "no token");
      }
      // Another process (or a sign-in) replaced the token since we read it.
      const replaced = current.accessToken !== seen.accessToken;
      const due = force || await this.#needsRefresh(service, current);
      if (this.#isValid(current) && (replaced || !due)) {
        this.#cache.set(service, current);
        return current;
      }
      const def = await this.#serviceDef(service);
      const refresher = def?.auth ? this.#refreshers[def.auth.type] : undefined;
      if (!current.refreshToken || !def || !refresher) {
        if (this.#isValid(current)) {
          this.#cache.set(service, current);
          return current;
        }
        this.#cache.delete(service);
        throw new AuthenticationRequired(
          service,
          current.refreshToken
            ? "token expired and the service has no refresh settings"
            : "token expired",
        );
      }
      let result: TokenSet;
      try {
        result = await refresher({
          service,
          def,
          refreshToken: current.refreshToken,
          scopes: current.scopes,
          fetch: this.#fetch,
          clock: this.#clock,
          resolveField: this.#resolveField,
          extra: { ...current.extra },
        });
      } catch (err) {
        if (err instanceof AuthenticationRequired) {
          return await this.#afterRejectedRefresh(service, current, err);
        }
        if (this.#isValid(current)) {
          const wait = err instanceof RefreshError && err.retryAfterSeconds !== undefined
            ? err.retryAfterSeconds
            : this.#retryDelay;
          this.#retryNotBefore.set(service, this.#clock() + wait * 1000);
          this.#cache.set(service, current);
          return current;
        }
        this.#cache.set(service, current);
        throw err;
      }
      if (!result.accessToken) {
        throw new RefreshError(service, "protocol", "the token endpoint returned no access token");
      }
      const next: TokenRecord = {
        accessToken: result.accessToken,
        refreshToken: result.refreshToken || current.refreshToken,
        expiresAt: this.#expiresAt(result),
        issuedAt: this.#issuedNow(),
        scopes: result.scopes?.length ? splitScopes(result.scopes) : current.scopes,
        tokenType: (result.tokenType || current.tokenType).toLowerCase(),
        account: result.account || current.account,
        extra: { ...current.extra, ...result.extra },
      };
      // The rotated refresh token must be stored before the new access token is used.
      await this.#backend.set(service, toFields(next));
      this.#cache.set(service, next);
      this.#retryNotBefore.delete(service);
      return next;
    });
  }

  /**
   * The refresh token we presented was rejected. Re-read the entry first: a
   * sibling that does not share our lock (another state directory on the same
   * keychain, a sign-in) may have rotated it meanwhile, and its tokens must
   * survive. Only an entry still holding the rejected refresh token loses its
   * tokens (its other fields, such as a client registration, stay).
   */
  async #afterRejectedRefresh(
    service: string,
    presented: TokenRecord,
    err: AuthenticationRequired,
  ): Promise<TokenRecord> {
    const now = parseTokenFields(await this.#backend.get(service));
    this.#retryNotBefore.delete(service);
    if (
      now && (now.refreshToken !== presented.refreshToken ||
        now.accessToken !== presented.accessToken)
    ) {
      this.#cache.set(service, now);
      if (this.#isValid(now)) return now;
      throw err;
    }
    if (now && Object.keys(now.extra).length) {
      // Keep what is not a token (an MCP server's client registration).
      await this.#backend.set(service, now.extra);
    } else if (now) {
      await this.#backend.remove(service);
    }
    this.#cache.delete(service);
    throw err;
  }
}
