/**
 * The AuthStore entry name of a remote MCP server.
 *
 * @module
 */

/**
 * `mcp-<host>` (with `-<port>` when the URL names one): one entry per server.
 *
 * @example
 * ```ts
 * defaultServiceName(new URL("https://api.githubcopilot.com/mcp/")); // "mcp-api.githubcopilot.com"
 * defaultServiceName(new URL("http://127.0.0.1:8080/mcp")); // "mcp-127.0.0.1-8080"
 * ```
 */
export function defaultServiceName(url: URL): string {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const name = `mcp-${host}${url.port ? `-${url.port}` : ""}`;
  return name.replace(/[^a-z0-9_.-]/g, "_");
}
