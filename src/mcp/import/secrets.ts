/**
 * What counts as a secret in an MCP client configuration: decided by the
 * value's shape (known token prefixes, JWTs, passwords inside connection
 * strings, long high-entropy strings) and by the name it is given (TOKEN,
 * SECRET, PASSWORD, API_KEY…), but never a boolean, a number, a path, a plain
 * URL or a reference to a variable the client expands (`${VAR}`,
 * `${env:VAR}`, `${input:id}`, `${workspaceFolder}`…, also inside a longer
 * value such as `${HOME}/x`).
 *
 * @module
 */

/** Names that say "this is a secret" (compared upper-cased, `-` read as `_`). */
const SECRET_NAME =
  /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|(^|_)PWD$|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CLIENT_?KEY|AUTHORIZATION|COOKIE|(^|_)PAT(_|$)/;

/** Names that only suggest a secret: the value must also look like one (digits, 8+ characters). */
const WEAK_SECRET_NAME = /(^|_)KEYS?$|CREDENTIALS?|(^|_)AUTH$/;

/** Names that contain a secret word but name a setting (`MAX_TOKENS`, `TOKENIZERS_…`). */
const NOT_SECRET_NAME =
  /TOKENIZER|(^|_)(MAX|NUM|MIN)_?TOKENS?($|_)|TOKENS?_(LIMIT|COUNT)|_URL$|_URI$|_ENDPOINT$|_HOST$|_PATH$|_FILE$|_DIR$|_ID$/;

/** Value shapes of known tokens. */
const TOKEN_SHAPES: RegExp[] = [
  /^gh[pousr]_[A-Za-z0-9]{16,}$/,
  /^github_pat_[A-Za-z0-9_]{20,}$/,
  /^xox[abposr]-[A-Za-z0-9-]{10,}$/,
  /^sk-ant-[A-Za-z0-9_-]{16,}$/,
  /^sk-[A-Za-z0-9_-]{16,}$/,
  /^(AKIA|ASIA)[A-Z0-9]{16}$/,
  /^hf_[A-Za-z0-9]{16,}$/,
  /^glpat-[A-Za-z0-9_-]{16,}$/,
  /^tvly-[A-Za-z0-9_-]{16,}$/,
  /^(sk|pk|rk)_(live|test)_[A-Za-z0-9]{16,}$/,
  /^npm_[A-Za-z0-9]{30,}$/,
  /^AIza[A-Za-z0-9_-]{30,}$/,
  /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+$/,
];

/**
 * Whether `value` refers to a variable the client expands: `${…}` anywhere
 * in it (a whole reference or a part, like `${HOME}/.config/x.json`), or
 * holds a credkit placeholder (`{{credkit:VAR}}`).
 *
 * @example
 * ```ts
 * isReference("${input:token}"); // true
 * isReference("${HOME}/.config/gcloud/adc.json"); // true
 * isReference("ghp_x"); // false
 * ```
 */
export function isReference(value: string): boolean {
  return /\$\{[^}]+\}/.test(value) || value.includes("{{credkit:");
}

/**
 * Whether `value` is plainly not a secret: empty, a boolean, a number, a
 * path, a plain URL (no password, no secret query key) or a reference.
 *
 * @example
 * ```ts
 * isPlainValue("false"); // true
 * isPlainValue("4096"); // true
 * isPlainValue("/home/me/key.json"); // true
 * isPlainValue("https://api.github.com"); // true
 * ```
 */
export function isPlainValue(value: string): boolean {
  const v = value.trim();
  if (v === "" || isReference(v)) return true;
  if (/^(true|false|yes|no|on|off|null|none|enabled?|disabled?)$/i.test(v)) return true;
  if (/^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v)) return true;
  if (/^(~|\.{1,2})?[\\/]/.test(v) || /^[A-Za-z]:[\\/]/.test(v)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return urlSecretParts(v).length === 0;
  return false;
}

/**
 * Shannon entropy of `s` in bits per character.
 *
 * @example
 * ```ts
 * entropy("aaaa"); // 0
 * ```
 */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Whether `value`, by its shape alone, is a secret: a known token prefix, a
 * JWT, a connection string with a password, or a long high-entropy string.
 *
 * @example
 * ```ts
 * looksLikeSecret("ghp_" + "a1".repeat(18)); // true
 * looksLikeSecret("postgresql://app:pw@db/app"); // true
 * looksLikeSecret("Generated tokens"); // false
 * ```
 */
export function looksLikeSecret(value: string): boolean {
  if (isReference(value)) return false;
  if (TOKEN_SHAPES.some((re) => re.test(value))) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return urlSecretParts(value).length > 0;
  if (isPlainValue(value)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false;
  return value.length >= 20 && /^[A-Za-z0-9+/=_.~-]+$/.test(value) && /[0-9]/.test(value) &&
    /[A-Za-z]/.test(value) && !isWordy(value) && entropy(value) >= 3.5;
}

/**
 * Whether a name (variable, option, header or query key) says its value is
 * a secret.
 *
 * @example
 * ```ts
 * isSecretName("GITHUB_PERSONAL_ACCESS_TOKEN"); // true
 * isSecretName("api-key"); // true
 * isSecretName("OPENAI_MAX_TOKENS"); // false
 * ```
 */
export function isSecretName(name: string): boolean {
  const plain = name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().replace(
    /[^A-Z0-9]+/g,
    "_",
  );
  return [plain, snake].some((s) =>
    (SECRET_NAME.test(s) || WEAK_SECRET_NAME.test(s)) && !NOT_SECRET_NAME.test(s)
  );
}

function isStrongSecretName(name: string): boolean {
  const snake = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().replace(
    /[^A-Z0-9]+/g,
    "_",
  );
  return SECRET_NAME.test(snake) && !NOT_SECRET_NAME.test(snake);
}

/**
 * Whether `value` reads as words, a version or a name (`meta-llama/Llama-3.1-8B-Instruct`,
 * `server-filesystem-v2`), not as random characters.
 */
function isWordy(value: string): boolean {
  const parts = value.split(/[-_./:@]+/).filter(Boolean);
  return parts.length >= 2 &&
    parts.every((p) => /^([A-Za-z][a-z]{2,}|[A-Z]{1,5}|v?[0-9]+[A-Za-z]?|[A-Za-z][0-9]+)$/.test(p));
}

/**
 * Whether the value `value` given under `name` is a secret: its shape says
 * so, or its name does and it is not plainly something else (a boolean, a
 * number, a path, a plain URL, a reference). `knownSecret` (from the
 * catalog) overrides the name when it is defined.
 *
 * @example
 * ```ts
 * isSecret("TOKENIZERS_PARALLELISM", "false"); // false
 * isSecret("BRAVE_API_KEY", "BSAbrave0123"); // true
 * isSecret("DATABASE_URL", "postgresql://u:p@h/db"); // true
 * ```
 */
export function isSecret(name: string, value: unknown, knownSecret?: boolean): boolean {
  if (typeof value !== "string" || isReference(value)) return false;
  if (looksLikeSecret(value)) {
    return knownSecret !== false || TOKEN_SHAPES.some((re) => re.test(value));
  }
  if (knownSecret !== undefined) return knownSecret && !isPlainValue(value);
  if (!isSecretName(name) || isPlainValue(value)) return false;
  return isStrongSecretName(name) || (value.length >= 8 && /[0-9]/.test(value));
}

/** A secret part of a URL: where it sits in the string. */
export interface UrlSecretPart {
  /** `password`, or `query:<key>`. */
  place: string;
  /** The key (query) or the user name (password). */
  key: string;
  /** Offset of the secret in the URL string. */
  start: number;
  /** Its length. */
  length: number;
  /** The secret itself (never printed). */
  value: string;
}

/**
 * The secret parts of a URL: the password of `scheme://user:password@host`
 * and query values whose key names a secret or whose value looks like one.
 * Offsets point into the string as written (nothing is decoded).
 *
 * @example
 * ```ts
 * urlSecretParts("postgresql://app:pw0rd@db:5432/app")[0].value; // "pw0rd"
 * urlSecretParts("https://mcp.x.com/mcp?api_key=abc123&v=2")[0].place; // "query:api_key"
 * ```
 */
export function urlSecretParts(url: string): UrlSecretPart[] {
  const parts: UrlSecretPart[] = [];
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/i.exec(url);
  if (m) {
    const userinfo = m[2];
    const colon = userinfo.indexOf(":");
    if (colon >= 0 && colon < userinfo.length - 1) {
      const value = userinfo.slice(colon + 1);
      if (!isReference(value)) {
        parts.push({
          place: "password",
          key: userinfo.slice(0, colon),
          start: m[1].length + colon + 1,
          length: value.length,
          value,
        });
      }
    }
  }
  const q = url.indexOf("?");
  if (q >= 0) {
    const end = url.indexOf("#", q) >= 0 ? url.indexOf("#", q) : url.length;
    let offset = q + 1;
    for (const pair of url.slice(q + 1, end).split("&")) {
      const eq = pair.indexOf("=");
      if (eq > 0) {
        const key = pair.slice(0, eq);
        const value = pair.slice(eq + 1);
        let decoded = value;
        try {
          decoded = decodeURIComponent(value);
        } catch { /* kept as written */ }
        if (
          value && !isReference(decoded) &&
          ((isSecretName(key) && !isPlainValue(decoded)) || looksLikeSecret(decoded))
        ) {
          parts.push({
            place: `query:${key}`,
            key,
            start: offset + eq + 1,
            length: value.length,
            value,
          });
        }
      }
      offset += pair.length + 1;
    }
  }
  return parts;
}
