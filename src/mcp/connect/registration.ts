/**
 * RFC 7591 dynamic client registration of credkit as a public native client
 * with a loopback redirect.
 *
 * @module
 */
import { CredkitError } from "../../errors.ts";
import { scrub } from "../../auth/http_util.ts";

/** A client as registered (or given with --client-id). */
export interface ClientRegistration {
  /** The client id. */
  clientId: string;
  /** The client secret, when the server issued one. */
  clientSecret?: string;
  /** The loopback redirect URI registered for it. */
  redirectUri: string;
}

/**
 * Registers a client at `registrationEndpoint` for `redirectUri`, asking for
 * the authorization_code and refresh_token grants.
 *
 * @example
 * ```ts
 * const client = await registerClient({
 *   registrationEndpoint: "https://auth.example/register",
 *   redirectUri: "http://127.0.0.1:49152/callback", fetch,
 * });
 * ```
 */
export async function registerClient(options: {
  registrationEndpoint: string;
  redirectUri: string;
  fetch: typeof globalThis.fetch;
}): Promise<ClientRegistration> {
  const body: Record<string, unknown> = {
    client_name: "credkit",
    application_type: "native",
    redirect_uris: [options.redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  // No `scope`: a registration limited to today's scopes would make a later
  // step-up (403 insufficient_scope) fail with invalid_scope.
  const failed = (why: string) =>
    new CredkitError(
      "error",
      "Cannot register credkit with the authorization server",
      why,
      "pass --client-id with a client registered for http://127.0.0.1 redirects",
    );
  let res: Response;
  try {
    res = await options.fetch(options.registrationEndpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30000),
    });
  } catch (err) {
    throw failed(`network error: ${(err as Error).message}`);
  }
  const text = await res.text();
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(text);
  } catch { /* reported below */ }
  if (!res.ok || typeof data.client_id !== "string") {
    const code = typeof data.error === "string" ? ` ${scrub(data.error, [], 64)}` : "";
    throw failed(`registration endpoint answered HTTP ${res.status}${code}`);
  }
  return {
    clientId: data.client_id,
    clientSecret: typeof data.client_secret === "string" ? data.client_secret : undefined,
    redirectUri: options.redirectUri,
  };
}
