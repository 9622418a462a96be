/**
 * `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1), as
 * MCP servers send them with a 401 or a 403.
 *
 * @module
 */

/** The parameters of a Bearer challenge that credkit acts on. */
export interface BearerChallenge {
  /** RFC 9728 protected-resource metadata URL. */
  resourceMetadata?: string;
  /** Scopes the server asks for (space-separated in the header). */
  scopes: string[];
  /** `invalid_token`, `insufficient_scope`, … */
  error?: string;
}

const PARAM = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;

/**
 * Parses the Bearer challenge of a `WWW-Authenticate` header value;
 * `undefined` when there is none.
 *
 * @example
 * ```ts
 * parseBearerChallenge('Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource", scope="read"');
 * // { resourceMetadata: "https://mcp.example/…", scopes: ["read"], error: undefined }
 * ```
 */
export function parseBearerChallenge(header: string | null): BearerChallenge | undefined {
  if (!header) return undefined;
  const at = header.search(/(^|[\s,])Bearer(\s|$)/i);
  if (at === -1) return undefined;
  const rest = header.slice(at).replace(/^[\s,]*Bearer/i, "");
  // Stop at the next scheme (a token followed by a space and a param, not "=").
  const params: Record<string, string> = {};
  for (const m of rest.matchAll(PARAM)) {
    const key = m[1].toLowerCase();
    if (!(key in params)) params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
  }
  return {
    resourceMetadata: params.resource_metadata,
    scopes: (params.scope ?? "").split(/\s+/).filter(Boolean),
    error: params.error,
  };
}
