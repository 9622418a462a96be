/**
 * The types of the AuthStore: token sets, refreshers, token backends and
 * the safe metadata.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import type { Fields, SecretBackend, StoreName } from "../store/backend.ts";

/** A token as a token endpoint or a sign-in returns it. */
export interface TokenSet {
  /** The access token sent to the service. */
  accessToken: string;
  /** The refresh token, if the service issued one. */
  refreshToken?: string;
  /** Lifetime in seconds from now. */
  expiresIn?: number;
  /** Absolute expiry, epoch seconds; wins over `expiresIn`. */
  expiresAt?: number;
  /** Scopes the token carries. */
  scopes?: string[];
  /**
   * Token type.
   *
   * @default {"bearer"}
   */
  tokenType?: string;
  /** The signed-in account (e-mail, user name), if known. */
  account?: string;
  /**
   * Other fields kept in the same entry and carried over by refreshes (an MCP
   * server's client registration, its token endpoint, its resource).
   */
  extra?: Fields;
}

/** What a refresher receives. */
export interface RefreshRequest {
  /** The service whose token is refreshed. */
  service: string;
  /** The service's definition (its `auth` section names the endpoints). */
  def: ServiceDef;
  /** The refresh token to exchange. */
  refreshToken: string;
  /** Scopes of the current token. */
  scopes: string[];
  /** The fetch used to reach the token endpoint. */
  fetch: typeof globalThis.fetch;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Reads a service field (e.g. supabase `url`, `anon_key`). */
  resolveField: (service: string, field: string) => Promise<string | undefined>;
  /** The entry's other fields ({@link TokenSet.extra}). */
  extra?: Fields;
}

/**
 * Exchanges a refresh token for a new token set. Throws
 * {@link AuthenticationRequired} when the refresh token is rejected and
 * {@link RefreshError} on network errors, 5xx or 429.
 */
export type Refresher = (request: RefreshRequest) => Promise<TokenSet>;

/** Refreshers by `auth.type`. */
export type Refreshers = Partial<Record<NonNullable<ServiceDef["auth"]>["type"], Refresher>>;

/** A backend that may know which store holds a given entry. */
export interface TokenBackend extends SecretBackend {
  /** The store the entry was last read from or written to. */
  storeOf?(entry: string): StoreName | undefined;
}

/** Dependencies and settings of an {@link AuthStore}. */
export interface AuthStoreOptions {
  /** Where tokens live (the `tokens` namespace). */
  backend: TokenBackend;
  /** The service catalog, or a function returning it. */
  services:
    | Record<string, ServiceDef>
    | (() => Record<string, ServiceDef> | Promise<Record<string, ServiceDef>>);
  /**
   * Refreshers by auth type, added to (or replacing) the built-in ones.
   *
   * @default {{ oauth2: refreshOAuth2, supabase: refreshSupabase }}
   */
  refreshers?: Refreshers;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** The fetch used by refreshers. */
  fetch: typeof globalThis.fetch;
  /** Directory for the cross-process refresh locks (created when missing). */
  lockDir: string;
  /**
   * Reads a service field such as supabase `url` / `anon_key`.
   *
   * @default {() => Promise.resolve(undefined)}
   */
  resolveField?: (service: string, field: string) => Promise<string | undefined>;
  /**
   * Refresh this many seconds before expiry unless the service says otherwise.
   *
   * @default {60}
   */
  refreshMarginSeconds?: number;
  /**
   * Refresh relative to each token's own lifetime: when this share of the
   * lifetime is left (e.g. 0.2: at 80%), if that comes later than the margin.
   * For short-lived tokens (an MCP server's 5-minute tokens), where a fixed
   * margin would refresh on every call. Off when unset.
   *
   * @default {undefined}
   */
  refreshAtLifetimeLeft?: number;
  /**
   * After a failed refresh, keep serving a still-valid token this many
   * seconds before retrying.
   *
   * @default {30}
   */
  retryDelaySeconds?: number;
  /**
   * How long to wait for another process's refresh, in milliseconds.
   *
   * @default {60000}
   */
  lockTimeoutMs?: number;
}

/** What {@link AuthStore.setToken} accepts. */
export type SetTokenInput = TokenSet;

/** Token facts that are safe to show: never a token. */
export interface TokenMetadata {
  /** Expiry, epoch seconds; absent when the token does not expire. */
  expiresAt?: number;
  /** Scopes the token carries. */
  scopes: string[];
  /** Token type, e.g. `bearer`. */
  tokenType: string;
  /** The signed-in account, if known. */
  account?: string;
  /** Whether a refresh token is stored with it. */
  hasRefreshToken: boolean;
  /** The store holding the entry. */
  store: StoreName;
}

/** Options of {@link AuthStore.getToken}. */
export interface GetTokenOptions {
  /** A scope the token must carry. */
  scope?: string;
  /**
   * An access token the server has just rejected (HTTP 401): when the store
   * still holds it, it is refreshed now whatever its expiry says; when
   * another process has already replaced it, the replacement is returned.
   */
  rejected?: string;
  /** Read the store again instead of the in-memory cache. */
  reload?: boolean;
}
