/**
 * The one rule that turns a name (a server, a service, a store entry) into
 * a file name: every character other than ASCII letters, digits, `_`, `.`
 * and `-` becomes `_`.
 *
 * @module
 */

/**
 * `name` with every character outside `[A-Za-z0-9_.-]` replaced by `_`, so it
 * can be used as one path segment.
 *
 * @example
 * ```ts
 * safeName("my server/1"); // "my_server_1"
 * ```
 */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, "_");
}
