/**
 * The `fetch` the MCP transports use: adds the static headers and the bearer
 * token, and on 401 (or 403 `insufficient_scope`) gets a new token and
 * retries once. Token handling never leaves credkit.
 *
 * @module
 */
import { parseBearerChallenge } from "./challenge.ts";
import type { McpTokenProvider } from "./token_provider.ts";

/** Options of {@link authFetch}. */
export interface AuthFetchOptions {
  /** The underlying fetch. */
  fetch: typeof globalThis.fetch;
  /** Headers given with --header, `${VAR}` already filled in. */
  headers: Record<string, string>;
  /** Absent: no OAuth (a static Authorization header, or an open server). */
  tokens?: McpTokenProvider;
}

function withHeaders(init: RequestInit | undefined, extra: Record<string, string>): RequestInit {
  const headers = new Headers(init?.headers);
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return { ...init, headers };
}

/**
 * Wraps `fetch` with credkit's authorization.
 *
 * @example
 * ```ts
 * const f = authFetch({ fetch, headers: {}, tokens });
 * new StreamableHTTPClientTransport(url, { fetch: f });
 * ```
 */
export function authFetch(options: AuthFetchOptions): typeof globalThis.fetch {
  const { tokens } = options;
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const send = (token: string | undefined) =>
      options.fetch(
        input,
        withHeaders(
          init,
          token ? { ...options.headers, authorization: `Bearer ${token}` } : options.headers,
        ),
      );
    if (!tokens) return await send(undefined);
    const token = await tokens.current();
    const res = await send(token);
    const challenge = parseBearerChallenge(res.headers.get("www-authenticate"));
    const stepUp = res.status === 403 && challenge?.error === "insufficient_scope";
    if (res.status !== 401 && !stepUp) return res;
    await res.body?.cancel();
    const next = await tokens.unauthorized(token, {
      scopes: challenge?.scopes ?? [],
      resourceMetadataUrl: challenge?.resourceMetadata,
      stepUp,
    });
    return await send(next);
  };
}
