/**
 * Where a tool call may send its credentials: no `.` / `..` path segment
 * from a parameter, and no token over plain http to another machine unless
 * the manifest says so.
 *
 * @module
 */
import { isLoopbackHttp } from "../auth/http_util.ts";
import { templateRefs } from "./template.ts";

/** How many `.` / `..` segments (also as `%2e`) the path of a URL text has. */
function dotSegments(urlText: string): number {
  const path = urlText.split(/[?#]/)[0];
  return path.split("/").filter((seg) => /^(?:\.|%2e){1,2}$/i.test(seg)).length;
}

/**
 * Why a URL is refused when a parameter puts a `.` or `..` segment in its
 * path (the URL parser would resolve it, and `--param id=..` would send the
 * request and its credentials to the parent path), or `undefined`.
 * `withoutParams` is the same template expanded with a plain value for every
 * parameter, so that dot segments of the manifest itself are not counted.
 *
 * @example
 * ```ts
 * dotSegmentProblem("https://x/items/..", "https://x/items/x", "https://x/items/{id}", () => "..");
 * // 'parameter "id": "." and ".." are not allowed in the URL path'
 * ```
 */
export function dotSegmentProblem(
  expanded: string,
  withoutParams: string,
  template: string,
  paramText: (name: string) => string,
): string | undefined {
  if (dotSegments(expanded) <= dotSegments(withoutParams)) return undefined;
  const path = template.split(/[?#]/)[0];
  const named = templateRefs(path).params.find((p) => /^\.{1,2}$/.test(paramText(p)));
  return named
    ? `parameter "${named}": "." and ".." are not allowed in the URL path`
    : `parameters would put a "." or ".." segment in the URL path`;
}

/**
 * Why a token must not be sent to `url`: plain `http://` to a host other
 * than this machine, unless the manifest's auth block has `allow_http`; or
 * `undefined`.
 *
 * @example
 * ```ts
 * plainHttpProblem(new URL("http://api.example.com/x"), { service: "myapi" });
 * // 'refusing to send the myapi token over plain http to api.example.com; …'
 * plainHttpProblem(new URL("http://127.0.0.1:8080/x"), { service: "myapi" }); // undefined
 * ```
 */
export function plainHttpProblem(
  url: URL,
  auth: { service: string; allow_http?: boolean },
): string | undefined {
  if (url.protocol !== "http:" || isLoopbackHttp(url) || auth.allow_http) return undefined;
  return `refusing to send the ${auth.service} token over plain http to ${url.host}; use https, or set "allow_http": true in the manifest's auth block`;
}
