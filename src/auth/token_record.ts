/**
 * A stored token entry: its fields in a store, parsed and written back.
 *
 * @module
 */
import type { Fields } from "../store/backend.ts";

/** A stored token, parsed. */
export interface TokenRecord {
  /** The access token. */
  accessToken: string;
  /** The refresh token, if any. */
  refreshToken?: string;
  /** Expiry, epoch seconds; absent when the token does not expire. */
  expiresAt?: number;
  /** When the token was issued, epoch seconds (gives its lifetime). */
  issuedAt?: number;
  /** Scopes the token carries. */
  scopes: string[];
  /** Token type, e.g. `bearer`. */
  tokenType: string;
  /** The signed-in account, if known. */
  account?: string;
  /** The entry's other fields, kept as they are. */
  extra: Fields;
}

const TOKEN_FIELDS = new Set([
  "access_token",
  "refresh_token",
  "expires_at",
  "issued_at",
  "scopes",
  "token_type",
  "account",
]);

/**
 * Parses a stored token entry; `undefined` when it has no access token.
 *
 * @example
 * ```ts
 * parseTokenFields({ access_token: "a", expires_at: "1700000000", scopes: "read write" });
 * ```
 */
export function parseTokenFields(fields: Fields | undefined): TokenRecord | undefined {
  if (!fields?.access_token) return undefined;
  const num = (v: string | undefined) => {
    const n = v !== undefined && v !== "" ? Number(v) : undefined;
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  };
  const extra: Fields = {};
  for (const [k, v] of Object.entries(fields)) if (!TOKEN_FIELDS.has(k)) extra[k] = v;
  return {
    accessToken: fields.access_token,
    refreshToken: fields.refresh_token || undefined,
    expiresAt: num(fields.expires_at),
    issuedAt: num(fields.issued_at),
    scopes: splitScopes(fields.scopes),
    tokenType: fields.token_type || "bearer",
    account: fields.account || undefined,
    extra,
  };
}

/**
 * The store fields of a token record (its other fields kept).
 *
 * @example
 * ```ts
 * toFields({ accessToken: "a", scopes: [], tokenType: "bearer", extra: {} });
 * // { access_token: "a", token_type: "bearer" }
 * ```
 */
export function toFields(r: TokenRecord): Fields {
  const f: Fields = { ...r.extra, access_token: r.accessToken, token_type: r.tokenType };
  if (r.refreshToken) f.refresh_token = r.refreshToken;
  if (r.expiresAt !== undefined) f.expires_at = String(Math.floor(r.expiresAt));
  if (r.issuedAt !== undefined && r.expiresAt !== undefined) {
    f.issued_at = String(Math.floor(r.issuedAt));
  }
  if (r.scopes.length) f.scopes = r.scopes.join(" ");
  if (r.account) f.account = r.account;
  return f;
}

/**
 * Scopes from a space- or comma-separated string (or a list of them), deduplicated.
 *
 * @example
 * ```ts
 * splitScopes("read write,read"); // ["read", "write"]
 * ```
 */
export function splitScopes(value: string | string[] | undefined): string[] {
  if (Array.isArray(value)) return [...new Set(value.flatMap((v) => splitScopes(v)))];
  return [...new Set((value ?? "").split(/[\s,]+/).filter(Boolean))];
}
