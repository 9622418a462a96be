/**
 * Where a protected MCP server sends its users to sign in: the RFC 9728
 * protected-resource metadata, then the authorization server's metadata
 * (RFC 8414, or OpenID Connect discovery).
 *
 * @module
 */
import { CredkitError } from "../../errors.ts";

/** What credkit needs from the authorization server. */
export interface AuthServerInfo {
  /** The authorization server's issuer identifier. */
  issuer: string;
  /** Where the browser is sent to sign in. */
  authorizationEndpoint: string;
  /** Where codes and refresh tokens are exchanged. */
  tokenEndpoint: string;
  /** Where clients register (RFC 7591), if the server allows it. */
  registrationEndpoint?: string;
  /** The resource to name in the `resource` parameter (RFC 8707). */
  resource: string;
  /** Scopes the resource metadata lists (used when the 401 names none). */
  scopesSupported: string[];
}

/** Options of {@link discoverAuthServer}. */
export interface DiscoverOptions {
  /** The MCP server URL. */
  serverUrl: URL;
  /** `resource_metadata` from the 401, when it named one. */
  resourceMetadataUrl?: string;
  /** The fetch used to read the metadata documents. */
  fetch: typeof globalThis.fetch;
}

async function getJson(
  fetchFn: typeof globalThis.fetch,
  url: string,
): Promise<Record<string, unknown> | undefined> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      headers: { accept: "application/json", "mcp-protocol-version": "2025-06-18" },
      signal: AbortSignal.timeout(30000),
    });
  } catch {
    return undefined;
  }
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  try {
    const body = await res.json();
    return body && typeof body === "object" ? body as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** Well-known URL candidates, path-aware first (RFC 8414 §3.1, RFC 9728 §3.1). */
function wellKnown(base: URL, name: string, oidcSuffix = false): string[] {
  const path = base.pathname.replace(/\/$/, "");
  const out = [];
  if (path) out.push(`${base.origin}/.well-known/${name}${path}`);
  out.push(`${base.origin}/.well-known/${name}`);
  if (oidcSuffix && path) out.push(`${base.origin}${path}/.well-known/${name}`);
  return out;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
const strings = (v: unknown) => Array.isArray(v) ? v.filter((s) => typeof s === "string") : [];

/**
 * Finds the authorization server of an MCP server.
 *
 * @example
 * ```ts
 * const as = await discoverAuthServer({ serverUrl: new URL("https://mcp.example/mcp"), fetch });
 * as.authorizationEndpoint; // "https://auth.example/authorize"
 * ```
 */
export async function discoverAuthServer(options: DiscoverOptions): Promise<AuthServerInfo> {
  const { serverUrl } = options;
  const candidates = options.resourceMetadataUrl
    ? [options.resourceMetadataUrl]
    : wellKnown(serverUrl, "oauth-protected-resource");
  let prm: Record<string, unknown> | undefined;
  for (const url of candidates) {
    prm = await getJson(options.fetch, url);
    if (prm) break;
  }
  const issuer = str(strings(prm?.authorization_servers)[0]) ?? serverUrl.origin;
  const resource = str(prm?.resource) ?? `${serverUrl.origin}${serverUrl.pathname}`;
  const issuerUrl = new URL(issuer);
  let meta: Record<string, unknown> | undefined;
  for (
    const url of [
      ...wellKnown(issuerUrl, "oauth-authorization-server"),
      ...wellKnown(issuerUrl, "openid-configuration", true),
    ]
  ) {
    meta = await getJson(options.fetch, url);
    if (meta && str(meta.authorization_endpoint) && str(meta.token_endpoint)) break;
    meta = undefined;
  }
  if (!meta) {
    throw new CredkitError(
      "error",
      `Cannot sign in to ${serverUrl.origin}`,
      `no OAuth authorization server metadata found for ${issuer}`,
      "check the server URL, or pass --header for a server that takes a static token",
    );
  }
  return {
    issuer: str(meta.issuer) ?? issuer,
    authorizationEndpoint: str(meta.authorization_endpoint)!,
    tokenEndpoint: str(meta.token_endpoint)!,
    registrationEndpoint: str(meta.registration_endpoint),
    resource,
    scopesSupported: strings(prm?.scopes_supported),
  };
}
