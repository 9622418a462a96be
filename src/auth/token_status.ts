/**
 * The status of a stored token as `auth status` and `auth signin` show it:
 * expiry, scopes, account and store, never a token.
 *
 * @module
 */
import type { StoreName } from "../store/backend.ts";
import type { TokenMetadata } from "./token_types.ts";

/** One service's token status (the `--json` shape of `auth status`). */
export interface TokenStatus {
  /** The service. */
  service: string;
  /** Valid now, without expiry, or refreshable. */
  authenticated: boolean;
  /** The signed-in account, if known. */
  account: string | null;
  /** Scopes the token carries. */
  scopes: string[];
  /** Expiry as an ISO 8601 date; `null` when it does not expire or there is no token. */
  expiresAt: string | null;
  /** Seconds until expiry (negative: expired); `null` as for `expiresAt`. */
  expiresIn: number | null;
  /** Whether a refresh token is stored. */
  refreshable: boolean;
  /** The store holding the token; `null` when there is none. */
  store: StoreName | null;
}

/**
 * When a token expires, for a person: `in 5 min`, `expired 2 h ago
 * (refreshable)`, `never`.
 *
 * @example
 * ```ts
 * describeExpiry({ expiresAt: 1_700_000_300, scopes: [], tokenType: "bearer", hasRefreshToken: false, store: "file" }, 1_700_000_000_000);
 * // "in 5 min"
 * ```
 */
export function describeExpiry(meta: TokenMetadata, nowMs: number): string {
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

/**
 * The status of the token of `service` from its metadata (never a token);
 * `meta` absent: not signed in.
 *
 * @example
 * ```ts
 * tokenStatus("github", await auth.getCachedMetadata("github"), Date.now()).authenticated;
 * ```
 */
export function tokenStatus(
  service: string,
  meta: TokenMetadata | undefined,
  nowMs: number,
): TokenStatus {
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
