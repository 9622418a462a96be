/**
 * Secrets inside a stdio server's `args`: a whole argument, the value of
 * `--api-key=…` / `--token …`, `NAME=…` (as in `docker run -e TOKEN=…` or
 * `/usr/bin/env TOKEN=… npx …`), a password inside a URL
 * (`postgresql://user:pass@host`) or a secret URL query value. Each is
 * replaced by a `credkit run --arg-secrets` placeholder, so the server gets
 * exactly the same argv as before, the secret coming from credkit.
 *
 * @module
 */
import { argSecretPlaceholder } from "../../arg_secrets.ts";
import {
  isPlainValue,
  isReference,
  isSecret,
  isSecretName,
  looksLikeSecret,
  urlSecretParts,
} from "./secrets.ts";

/** One secret taken out of a configuration. */
export interface MovedSecret {
  /** Where it was, e.g. `args[3]`, `env.GITHUB_TOKEN`, `headers.Authorization`. */
  place: string;
  /** The variable (of the service's field) that now holds it. */
  variable: string;
  /** The secret itself (never printed). */
  value: string;
}

/**
 * A variable name from a free-form name: upper snake case with `prefix`.
 *
 * @example
 * ```ts
 * variableName("api-key", "MCP_ARG_"); // "MCP_ARG_API_KEY"
 * ```
 */
export function variableName(name: string, prefix = ""): string {
  const base = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().replace(
    /[^A-Z0-9]+/g,
    "_",
  ).replace(/^_+|_+$/g, "");
  const v = `${prefix}${base || "SECRET"}`;
  return /^[0-9]/.test(v) ? `_${v}` : v;
}

/**
 * Picks a variable not in `taken` (and records it).
 *
 * @example
 * ```ts
 * uniqueVariable("MCP_ARG_TOKEN", new Set(["MCP_ARG_TOKEN"])); // "MCP_ARG_TOKEN_2"
 * ```
 */
export function uniqueVariable(wanted: string, taken: Set<string>): string {
  let v = wanted;
  for (let i = 2; taken.has(v); i++) v = `${wanted}_${i}`;
  taken.add(v);
  return v;
}

/**
 * Replaces the secret parts of `text` (a URL, or a whole value) by
 * placeholders made by `hole(variable)`; returns the new text, or
 * `undefined` when nothing in it is secret.
 *
 * @example
 * ```ts
 * const moved: MovedSecret[] = [];
 * replaceSecretParts("postgresql://u:pw@db/x", "db", "args[2]", new Set(), (v) => `{{credkit:${v}}}`, moved, "MCP_ARG_");
 * // "postgresql://u:{{credkit:MCP_ARG_DB_PASSWORD}}@db/x"
 * ```
 */
export function replaceSecretParts(
  text: string,
  nameHint: string,
  place: string,
  taken: Set<string>,
  hole: (variable: string) => string,
  moved: MovedSecret[],
  prefix: string,
): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    const parts = urlSecretParts(text);
    if (!parts.length) return undefined;
    let out = text;
    for (const p of [...parts].reverse()) {
      const what = p.place === "password" ? `${nameHint}_password` : p.key;
      const variable = uniqueVariable(variableName(what, prefix), taken);
      moved.push({ place: `${place} (URL ${p.place})`, variable, value: p.value });
      out = out.slice(0, p.start) + hole(variable) + out.slice(p.start + p.length);
    }
    return out;
  }
  const variable = uniqueVariable(variableName(nameHint, prefix), taken);
  moved.push({ place, variable, value: text });
  return hole(variable);
}

/**
 * Rewrites `args`, replacing each secret by a placeholder. `taken` holds the
 * variables already used by the service (and receives the new ones).
 *
 * @example
 * ```ts
 * const r = rewriteArgs(["--api-key=sk-…", "postgresql://u:pw@db/x"], new Set());
 * r.args; // ["--api-key={{credkit:MCP_ARG_API_KEY}}", "postgresql://u:{{credkit:MCP_ARG_URL_PASSWORD}}@db/x"]
 * ```
 */
export function rewriteArgs(
  args: unknown[],
  taken: Set<string>,
): { args: unknown[]; moved: MovedSecret[] } {
  const moved: MovedSecret[] = [];
  const out = [...args];
  const prefix = "MCP_ARG_";
  const put = (i: number, text: string, hint: string, head = "") => {
    const replaced = replaceSecretParts(
      text,
      hint,
      `args[${i}]`,
      taken,
      argSecretPlaceholder,
      moved,
      prefix,
    );
    if (replaced !== undefined) out[i] = head + replaced;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (typeof a !== "string" || isReference(a)) continue;
    const flagEq = /^(--?)([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s.exec(a);
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(a);
    const flag = /^--?([A-Za-z][A-Za-z0-9_.-]*)$/.exec(a);
    if (flagEq) {
      if (isSecret(flagEq[2], flagEq[3])) put(i, flagEq[3], flagEq[2], `${flagEq[1]}${flagEq[2]}=`);
    } else if (assign) {
      if (isSecret(assign[1], assign[2])) put(i, assign[2], assign[1], `${assign[1]}=`);
    } else if (flag && isSecretName(flag[1])) {
      const next = args[i + 1];
      if (
        typeof next === "string" && !next.startsWith("-") && !isReference(next) &&
        (!isPlainValue(next) || looksLikeSecret(next))
      ) {
        put(i + 1, next, flag[1]);
        i++;
      }
    } else if (looksLikeSecret(a)) {
      put(i, a, /^[a-z][a-z0-9+.-]*:\/\//i.test(a) ? "url" : String(i));
    }
  }
  return { args: out, moved };
}
