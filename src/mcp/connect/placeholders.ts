/**
 * `${VAR}` in `--header` values and URL query values, filled at connect time
 * from credkit's resolved credentials (never from argv, so a secret is never
 * on a command line).
 *
 * @module
 */
import { CredkitError } from "../../errors.ts";

// `${VAR}`, or `${CREDKIT_DOLLAR:-$}{VAR}` as `mcp import` writes it for clients that
// expand `${…}` themselves (Claude Code turns it into `${VAR}`; one that does not passes it on).
const VAR = /(?:\$|\$\{CREDKIT_DOLLAR:-\$\})\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The variable names used in `texts`.
 *
 * @example
 * ```ts
 * placeholderNames(["Bearer ${GITHUB_TOKEN}"]); // ["GITHUB_TOKEN"]
 * ```
 */
export function placeholderNames(texts: string[]): string[] {
  const names = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(VAR)) names.add(m[1]);
  return [...names];
}

/**
 * Replaces every `${VAR}` in `text` from `values`; a missing one is an error
 * (exit 3) naming the variable.
 *
 * @example
 * ```ts
 * fillPlaceholders("Bearer ${T}", { T: "abc" }); // "Bearer abc"
 * ```
 */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(VAR, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === "") {
      throw new CredkitError(
        "missing",
        "Cannot connect to the MCP server",
        `\${${name}} has no value`,
        `store it: credkit add <service> (a service whose field feeds ${name}), or set ${name}`,
      );
    }
    return value;
  });
}

/** One `--header 'Name: value'`. */
export interface HeaderOption {
  /** The header name. */
  name: string;
  /** The header value, `${VAR}` not yet filled in. */
  value: string;
}

/**
 * Parses `--header` values (`Name: value`).
 *
 * @example
 * ```ts
 * parseHeaderOptions(["Authorization: Bearer ${T}"]); // [{ name: "Authorization", value: "Bearer ${T}" }]
 * ```
 */
export function parseHeaderOptions(values: string[]): HeaderOption[] {
  return values.map((raw) => {
    const colon = raw.indexOf(":");
    const name = colon === -1 ? "" : raw.slice(0, colon).trim();
    if (!name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new CredkitError(
        "usage",
        "Cannot use --header",
        "expected 'Name: value'",
        "example: --header 'Authorization: Bearer ${GITHUB_TOKEN}'",
      );
    }
    return { name, value: raw.slice(colon + 1).trim() };
  });
}

/**
 * Fills `${VAR}` in the query values of `url`.
 *
 * @example
 * ```ts
 * fillUrl(new URL("https://m.example/mcp?key=${K}"), { K: "v" }).href; // "https://m.example/mcp?key=v"
 * ```
 */
export function fillUrl(url: URL, values: Record<string, string>): URL {
  const out = new URL(url.href);
  const params = new URLSearchParams();
  for (const [k, v] of new URLSearchParams(url.search)) {
    params.append(k, fillPlaceholders(v, values));
  }
  out.search = params.toString();
  return out;
}
