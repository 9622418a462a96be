/**
 * The MCP authorization flow (OAuth 2.1): discovery, dynamic registration
 * when no client is known, authorization code with PKCE S256 and the RFC 8707
 * `resource` parameter, received on a loopback redirect.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import { CredkitError } from "../../errors.ts";
import type { TokenSet } from "../../auth/auth_store.ts";
import { tokenSetFromResponse } from "../../auth/oauth2.ts";
import { isLoopbackHttp, scrub } from "../../auth/http_util.ts";
import { type AuthServerInfo, discoverAuthServer } from "./discovery.ts";
import { type ClientRegistration, registerClient } from "./registration.ts";
import { listenLoopback, type LoopbackCallback } from "./loopback.ts";

/** Fields of the stored entry that describe the client and the server (not tokens). */
export interface StoredRegistration {
  /** The registered (or given) client id. */
  client_id?: string;
  /** The client secret, when the server issued one. */
  client_secret?: string;
  /** The loopback redirect URI the client was registered with. */
  redirect_uri?: string;
  /** The token endpoint refreshes go to. */
  token_endpoint?: string;
  /** The authorization server's issuer. */
  issuer?: string;
  /** The RFC 8707 resource the tokens are for. */
  resource?: string;
}

/** Options of {@link authorize}. */
export interface AuthorizeOptions {
  /** The MCP server URL. */
  serverUrl: URL;
  /** `resource_metadata` from the 401, when it named one. */
  resourceMetadataUrl?: string;
  /** Scopes to ask for; empty: those of the resource metadata. */
  scopes: string[];
  /** A client id given by the user (no registration then). */
  clientId?: string;
  /** The registration kept from an earlier sign-in. */
  stored: StoredRegistration;
  /** The fetch used for discovery, registration and the token request. */
  fetch: typeof globalThis.fetch;
  /** Shows the URL (stderr) and opens the browser unless told not to. */
  present(url: string): Promise<void>;
  /**
   * How long to wait for the browser, in milliseconds.
   *
   * @default {300000}
   */
  timeoutMs?: number;
}

/** A completed authorization: tokens and the fields to keep beside them. */
export interface Authorized {
  /** The tokens the token endpoint returned. */
  token: TokenSet;
  /** The client and server fields to store beside them. */
  registration: StoredRegistration;
}

async function callbackFor(stored: StoredRegistration): Promise<LoopbackCallback | undefined> {
  const port = stored.redirect_uri ? Number(new URL(stored.redirect_uri).port) : 0;
  if (!port) return undefined;
  try {
    return await listenLoopback(port);
  } catch {
    return undefined; // the port is taken: register again with a new one
  }
}

async function clientFor(
  options: AuthorizeOptions,
  as: AuthServerInfo,
): Promise<{ client: ClientRegistration; callback: LoopbackCallback }> {
  const { stored } = options;
  if (options.clientId) {
    const callback = await callbackFor(stored) ?? await listenLoopback(0);
    return { client: { clientId: options.clientId, redirectUri: callback.redirectUri }, callback };
  }
  if (stored.client_id && stored.issuer === as.issuer) {
    const callback = await callbackFor(stored);
    if (callback) {
      return {
        client: {
          clientId: stored.client_id,
          clientSecret: stored.client_secret,
          redirectUri: callback.redirectUri,
        },
        callback,
      };
    }
  }
  if (!as.registrationEndpoint) {
    throw new CredkitError(
      "usage",
      `Cannot sign in to ${options.serverUrl.origin}`,
      "its authorization server offers no dynamic client registration",
      "register a client with redirect http://127.0.0.1/callback and pass --client-id",
    );
  }
  const callback = await listenLoopback(0);
  try {
    const client = await registerClient({
      registrationEndpoint: as.registrationEndpoint,
      redirectUri: callback.redirectUri,
      fetch: options.fetch,
    });
    return { client, callback };
  } catch (err) {
    callback.close();
    throw err;
  }
}

/**
 * Runs one authorization and returns the tokens (nothing is stored here).
 *
 * @example
 * ```ts
 * const { token, registration } = await authorize({
 *   serverUrl: new URL("https://mcp.example/mcp"), scopes: [], stored: {}, fetch,
 *   present: async (url) => console.error(url),
 * });
 * ```
 */
export async function authorize(options: AuthorizeOptions): Promise<Authorized> {
  const as = await discoverAuthServer({
    serverUrl: options.serverUrl,
    resourceMetadataUrl: options.resourceMetadataUrl,
    fetch: options.fetch,
  });
  for (const endpoint of [as.authorizationEndpoint, as.tokenEndpoint]) {
    const u = new URL(endpoint);
    if (u.protocol !== "https:" && !isLoopbackHttp(u)) {
      throw new CredkitError(
        "usage",
        `Cannot sign in to ${options.serverUrl.origin}`,
        `${u.origin} does not use https`,
      );
    }
  }
  const scopes = options.scopes.length ? options.scopes : as.scopesSupported;
  const { client, callback } = await clientFor(options, as);
  try {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorizationEndpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", client.clientId);
    url.searchParams.set("redirect_uri", client.redirectUri);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
    url.searchParams.set("code_challenge_method", "S256");
    url.searchParams.set("state", state);
    url.searchParams.set("resource", as.resource);
    if (scopes.length) url.searchParams.set("scope", scopes.join(" "));
    const waiting = callback.waitForCode(state, options.timeoutMs ?? 300000);
    await options.present(url.href);
    let code: string;
    try {
      code = await waiting;
    } catch (err) {
      throw new CredkitError(
        "auth_required",
        `Cannot sign in to ${options.serverUrl.origin}`,
        (err as Error).message,
        "run the client again and complete the sign-in in the browser",
      );
    }
    const token = await exchangeCode(options, as, client, code, verifier);
    return {
      token,
      registration: {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uri: client.redirectUri,
        token_endpoint: as.tokenEndpoint,
        issuer: as.issuer,
        resource: as.resource,
      },
    };
  } finally {
    callback.close();
  }
}

async function exchangeCode(
  options: AuthorizeOptions,
  as: AuthServerInfo,
  client: ClientRegistration,
  code: string,
  verifier: string,
): Promise<TokenSet> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    redirect_uri: client.redirectUri,
    code_verifier: verifier,
    client_id: client.clientId,
    resource: as.resource,
  });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (client.clientSecret) {
    const basic = `${encodeURIComponent(client.clientId)}:${
      encodeURIComponent(client.clientSecret)
    }`;
    headers.authorization = `Basic ${btoa(basic)}`;
  }
  const failed = (why: string) =>
    new CredkitError("error", `Cannot sign in to ${options.serverUrl.origin}`, why);
  let res: Response;
  try {
    res = await options.fetch(as.tokenEndpoint, {
      method: "POST",
      headers,
      body: form,
      signal: AbortSignal.timeout(30000),
    });
  } catch (err) {
    throw failed(`network error: ${(err as Error).message}`);
  }
  let body: Record<string, unknown> = {};
  try {
    body = await res.json();
  } catch { /* reported below */ }
  if (!res.ok || typeof body.access_token !== "string") {
    const secrets = [code, verifier, client.clientSecret];
    const error = typeof body.error === "string" ? ` ${scrub(body.error, secrets, 64)}` : "";
    throw failed(`token endpoint answered HTTP ${res.status}${error}`);
  }
  return tokenSetFromResponse(body);
}
