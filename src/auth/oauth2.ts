/**
 * OAuth 2.0 for services with `"auth": {"type": "oauth2"}`: the refresh token
 * grant (RFC 6749 §6) and the device authorization grant (RFC 8628), built on
 * `oauth4webapi`, with an injected `fetch` and clock.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import type { OAuth2AuthConfig } from "../catalog.ts";
import { CredkitError } from "../errors.ts";
import type { RefreshRequest, TokenSet } from "./auth_store.ts";
import { AuthenticationRequired, RefreshError } from "./errors.ts";
import {
  describeNetworkError,
  isLoopbackHttp,
  isNetworkError,
  retryAfterSeconds,
  scrub,
} from "./http_util.ts";

/** Default timeout of one request to the authorization server, ms. */
export const DEFAULT_TIMEOUT_MS = 30000;

interface Endpoints {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  options: () => oauth.TokenEndpointRequestOptions;
}

function endpoints(
  service: string,
  config: OAuth2AuthConfig,
  fetchFn: typeof globalThis.fetch,
  timeoutMs: number,
): Endpoints {
  let tokenUrl: URL;
  try {
    tokenUrl = new URL(config.tokenEndpoint);
  } catch {
    throw new CredkitError(
      "usage",
      `Invalid auth settings for ${service}`,
      "tokenEndpoint is not a URL",
    );
  }
  for (const url of [config.tokenEndpoint, config.deviceAuthorizationEndpoint]) {
    if (url && new URL(url).protocol !== "https:" && !isLoopbackHttp(new URL(url))) {
      throw new CredkitError(
        "usage",
        `Invalid auth settings for ${service}`,
        `${url} does not use https`,
        "OAuth endpoints must use https (plain http only on 127.0.0.1 / localhost)",
      );
    }
  }
  const as: oauth.AuthorizationServer = {
    issuer: tokenUrl.origin,
    token_endpoint: config.tokenEndpoint,
    device_authorization_endpoint: config.deviceAuthorizationEndpoint,
  };
  const client: oauth.Client = { client_id: config.clientId };
  const clientAuth = config.clientSecret
    ? oauth.ClientSecretBasic(config.clientSecret)
    : oauth.None();
  const options = (): oauth.TokenEndpointRequestOptions => ({
    [oauth.customFetch]: (url, init) => fetchFn(url, init as RequestInit),
    [oauth.allowInsecureRequests]: isLoopbackHttp(tokenUrl),
    signal: () => AbortSignal.timeout(timeoutMs),
  });
  return { as, client, clientAuth, options };
}

function oauth2Config(request: RefreshRequest): OAuth2AuthConfig {
  const auth = request.def.auth;
  if (auth?.type !== "oauth2") {
    throw new CredkitError(
      "usage",
      `Cannot refresh the ${request.service} token`,
      "the service has no oauth2 settings",
    );
  }
  return auth;
}

/**
 * Converts a token endpoint response (RFC 6749 §5.1) to a {@link TokenSet}.
 *
 * @example
 * ```ts
 * tokenSetFromResponse({ access_token: "a", token_type: "bearer", expires_in: 3600, scope: "read" });
 * // { accessToken: "a", tokenType: "bearer", expiresIn: 3600, scopes: ["read"] }
 * ```
 */
export function tokenSetFromResponse(body: Record<string, unknown>): TokenSet {
  const set: TokenSet = { accessToken: String(body.access_token ?? "") };
  if (typeof body.refresh_token === "string" && body.refresh_token) {
    set.refreshToken = body.refresh_token;
  }
  const expiresIn = typeof body.expires_in === "string" ? Number(body.expires_in) : body.expires_in;
  if (typeof expiresIn === "number" && Number.isFinite(expiresIn)) set.expiresIn = expiresIn;
  if (typeof body.scope === "string" && body.scope.trim()) {
    set.scopes = body.scope.split(/\s+/).filter(Boolean);
  }
  if (typeof body.token_type === "string" && body.token_type) {
    set.tokenType = body.token_type.toLowerCase();
  }
  return set;
}

/** Turns any failure of a token endpoint call into a credkit error. */
function classify(
  service: string,
  err: unknown,
  secrets: (string | undefined)[],
  clock: () => number,
  timeoutMs: number,
): Error {
  if (err instanceof CredkitError) return err;
  if (err instanceof oauth.ResponseBodyError) {
    const code = scrub(err.error, secrets, 64);
    const desc = err.error_description ? `: ${scrub(err.error_description, secrets)}` : "";
    if (err.error === "invalid_grant") {
      return new AuthenticationRequired(service, "refresh token rejected");
    }
    if (err.status === 429 || err.status >= 500) {
      return new RefreshError(
        service,
        err.status === 429 ? "rate_limited" : "server",
        `token endpoint answered HTTP ${err.status} (${code})`,
        { status: err.status, retryAfterSeconds: retryAfterSeconds(err.response.headers, clock()) },
      );
    }
    return new RefreshError(
      service,
      "protocol",
      `token endpoint answered HTTP ${err.status} ${code}${desc}`,
      { status: err.status, hint: `check the auth settings of ${service}` },
    );
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    const codes = err.cause.map((c) => c.parameters.error).filter(Boolean);
    if (codes.includes("invalid_grant")) {
      return new AuthenticationRequired(service, "refresh token rejected");
    }
    return new RefreshError(
      service,
      "protocol",
      `token endpoint answered HTTP ${err.status}${
        codes.length ? ` (${scrub(codes.join(", "), secrets, 64)})` : ""
      }`,
      { status: err.status, hint: `check the client settings of ${service}` },
    );
  }
  if (err instanceof oauth.OperationProcessingError) {
    const response = err.cause instanceof Response ? err.cause : undefined;
    if (response) {
      const status = response.status;
      const failure = status === 429 ? "rate_limited" : status >= 500 ? "server" : "protocol";
      return new RefreshError(service, failure, `token endpoint answered HTTP ${status}`, {
        status,
        retryAfterSeconds: retryAfterSeconds(response.headers, clock()),
      });
    }
    return new RefreshError(
      service,
      "protocol",
      `invalid answer from the token endpoint: ${scrub(err.message, secrets)}`,
    );
  }
  if (err instanceof oauth.UnsupportedOperationError) {
    return new RefreshError(service, "protocol", scrub(err.message, secrets));
  }
  if (isNetworkError(err)) {
    return new RefreshError(
      service,
      "network",
      `network error: ${scrub(describeNetworkError(err, timeoutMs), secrets)}`,
    );
  }
  return new RefreshError(
    service,
    "protocol",
    scrub(String((err as Error)?.message ?? err), secrets),
  );
}

/**
 * The oauth2 refresher: a refresh_token grant against `auth.tokenEndpoint`
 * (form-encoded, client id, client secret via HTTP Basic when configured).
 *
 * @example
 * ```ts
 * const set = await refreshOAuth2({ service: "myapi", def, refreshToken: "rt", scopes: [], fetch, clock: Date.now, resolveField });
 * ```
 */
export async function refreshOAuth2(
  request: RefreshRequest & { timeoutMs?: number },
): Promise<TokenSet> {
  const config = oauth2Config(request);
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { as, client, clientAuth, options } = endpoints(
    request.service,
    config,
    request.fetch,
    timeoutMs,
  );
  const secrets = [request.refreshToken, config.clientSecret];
  try {
    const response = await oauth.refreshTokenGrantRequest(
      as,
      client,
      clientAuth,
      request.refreshToken,
      options(),
    );
    const body = await oauth.processRefreshTokenResponse(as, client, response);
    secrets.push(body.access_token, body.refresh_token);
    return tokenSetFromResponse(body);
  } catch (err) {
    throw classify(request.service, err, secrets, request.clock, timeoutMs);
  }
}

/** What the user must do to approve a device sign-in. */
export interface DevicePrompt {
  /** The page where the user enters the code. */
  verificationUri: string;
  /** The same page with the code already filled in, if the server gives one. */
  verificationUriComplete?: string;
  /** The code the user enters. */
  userCode: string;
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** Options of {@link deviceSignin}. */
export interface DeviceSigninOptions {
  /** The service signing in. */
  service: string;
  /** The service's `auth` section (endpoints, client id). */
  config: OAuth2AuthConfig;
  /**
   * Scopes to request.
   *
   * @default {config.scopes ?? []}
   */
  scopes?: string[];
  /** The fetch used to reach the endpoints. */
  fetch: typeof globalThis.fetch;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Shows the verification URI and user code (credkit prints them to stderr). */
  onPrompt: (prompt: DevicePrompt) => void;
  /**
   * Waits between polls.
   *
   * @default {(ms) => new Promise((r) => setTimeout(r, ms))}
   */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Per-request timeout, in milliseconds.
   *
   * @default {30000}
   */
  timeoutMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The device authorization grant (RFC 8628): starts the flow, shows the
 * verification URI and user code, then polls the token endpoint respecting
 * `interval` and `slow_down` until the user approves, denies, or the code
 * expires.
 *
 * @example
 * ```ts
 * const set = await deviceSignin({
 *   service: "myapi", config, fetch, clock: Date.now,
 *   onPrompt: (p) => console.error(`Open ${p.verificationUri} and enter ${p.userCode}`),
 * });
 * ```
 */
export async function deviceSignin(options: DeviceSigninOptions): Promise<TokenSet> {
  const { service, config, clock } = options;
  const sleep = options.sleep ?? defaultSleep;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!config.deviceAuthorizationEndpoint) {
    throw new CredkitError(
      "usage",
      `Cannot sign in to ${service} with --device`,
      "its auth settings have no deviceAuthorizationEndpoint",
      "use: credkit auth signin " + service + " --token-stdin",
    );
  }
  const { as, client, clientAuth, options: reqOptions } = endpoints(
    service,
    config,
    options.fetch,
    timeoutMs,
  );
  const scopes = options.scopes ?? config.scopes ?? [];
  const params = new URLSearchParams();
  if (scopes.length) params.set("scope", scopes.join(" "));
  let start: oauth.DeviceAuthorizationResponse;
  try {
    const response = await oauth.deviceAuthorizationRequest(
      as,
      client,
      clientAuth,
      params,
      reqOptions(),
    );
    start = await oauth.processDeviceAuthorizationResponse(as, client, response);
  } catch (err) {
    const e = classify(service, err, [config.clientSecret], clock, timeoutMs);
    throw new CredkitError(
      "error",
      `Cannot start the device sign-in for ${service}`,
      e instanceof CredkitError ? e.why : e.message,
    );
  }
  options.onPrompt({
    verificationUri: start.verification_uri,
    verificationUriComplete: start.verification_uri_complete,
    userCode: start.user_code,
    expiresIn: start.expires_in,
  });
  let interval = Math.max(1, start.interval ?? 5);
  const deadline = clock() + start.expires_in * 1000;
  const expired = () =>
    new AuthenticationRequired(service, "the device code expired before it was approved", {
      hint: `run: credkit auth signin ${service} --device`,
    });
  for (;;) {
    await sleep(interval * 1000);
    if (clock() >= deadline) throw expired();
    try {
      const response = await oauth.deviceCodeGrantRequest(
        as,
        client,
        clientAuth,
        start.device_code,
        reqOptions(),
      );
      const body = await oauth.processDeviceCodeResponse(as, client, response);
      return tokenSetFromResponse(body);
    } catch (err) {
      if (err instanceof oauth.ResponseBodyError) {
        if (err.error === "authorization_pending") continue;
        if (err.error === "slow_down") {
          interval += 5;
          continue;
        }
        if (err.error === "access_denied") {
          throw new AuthenticationRequired(service, "the sign-in was denied");
        }
        if (err.error === "expired_token") throw expired();
        if (err.status < 500 && err.status !== 429) {
          const secrets = [start.device_code, config.clientSecret];
          const desc = err.error_description ? `: ${scrub(err.error_description, secrets)}` : "";
          throw new CredkitError(
            "error",
            `Device sign-in for ${service} failed`,
            `${scrub(err.error, secrets, 64)}${desc}`,
          );
        }
      }
      const e = classify(service, err, [start.device_code, config.clientSecret], clock, timeoutMs);
      if (e instanceof RefreshError && e.failure !== "protocol") {
        // RFC 8628 §3.5: back off on connection problems and keep polling.
        interval = Math.min(interval * 2, 60);
        continue;
      }
      throw new CredkitError(
        "error",
        `Device sign-in for ${service} failed`,
        e instanceof CredkitError ? e.why : e.message,
      );
    }
  }
}
