/**
 * The one masking policy of credkit: which secret values are masked, and
 * every form in which each of them is found.
 *
 * **Which values.** Every secret value of at least {@link MIN_SECRET_LENGTH}
 * characters (code points); for a multi-line value (a PEM key), also each of
 * its lines on its own (trimmed, when long enough), as a program may print one
 * line of it.
 *
 * **Which forms.** A secret is found when each of its characters appears in
 * any of these forms (mixed freely within one occurrence):
 * - raw (UTF-8 bytes in a byte stream, the character itself in a string);
 * - JSON-escaped: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, and
 *   `\uXXXX` for ANY character (astral ones as a surrogate pair), hex digits
 *   in either case;
 * - percent-encoded: `%XX` for each UTF-8 byte, hex in either case (what
 *   `encodeURIComponent` and form encoders emit, and any over-encoding of
 *   plain characters), and `+` for a space (form encoding);
 * - a line break printed as CRLF: `\n` also matches `\r\n`, raw, JSON-escaped
 *   (`\r\n` escaped) or percent-encoded (`%0D%0A`).
 *
 * Not masked: other encodings (base64, hex dumps, HTML entities, shell or
 * other language quoting), secrets encoded twice (a percent-encoded secret
 * inside a JSON escape) and values shorter than {@link MIN_SECRET_LENGTH}.
 *
 * Occurrences are replaced leftmost first; at one position the longest
 * secret (in characters) wins, and for each character the longest form.
 *
 * @module
 */
import { type Matcher, scan } from "./matcher.ts";
import { compileMatcher } from "./forms.ts";

export { compileMatcher, type Matcher, scan };

/**
 * Secrets shorter than this many characters (code points) are not masked:
 * replacing every `a` or `42` in a program's output would destroy it while
 * hiding nothing. The one length rule for `run`, `server`, `test`, the
 * executor, OAuth errors and keychain errors.
 *
 * @example
 * ```ts
 * maskString("pin 42, key abc", ["42", "abc"]); // "pin 42, key ****"
 * ```
 */
export const MIN_SECRET_LENGTH = 3;

function longEnough(s: string): boolean {
  if (s.length < MIN_SECRET_LENGTH) return false;
  // Length in code points, so that two astral characters do not count as four.
  let n = 0;
  for (const _ of s) if (++n >= MIN_SECRET_LENGTH) return true;
  return false;
}

/**
 * The values that masking searches for: the secrets of at least
 * {@link MIN_SECRET_LENGTH} characters, plus each (trimmed) line of a
 * multi-line secret that is long enough; deduplicated, longest first.
 *
 * @example
 * ```ts
 * maskableSecrets(["ab", "-----BEGIN-----\nMIIBVwIB\n-----END-----"]);
 * // ["-----BEGIN-----\nMIIBVwIB\n-----END-----", "-----BEGIN-----", "-----END-----", "MIIBVwIB"]
 * ```
 */
export function maskableSecrets(secrets: readonly (string | null | undefined)[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string") continue;
    if (longEnough(s)) out.add(s);
    if (!/[\r\n]/.test(s)) continue;
    for (const line of s.split(/\r\n|\r|\n/)) {
      const trimmed = line.trim();
      if (longEnough(trimmed)) out.add(trimmed);
    }
  }
  return [...out].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** A compiled string masker; see {@link stringMasker}. */
export type StringMask = (text: string) => string;

/**
 * A function that masks `secrets`, in every form of the policy, in strings.
 * Compile it once when masking many strings with the same secrets.
 *
 * @example
 * ```ts
 * const mask = stringMasker(["s3cr3t/+"]);
 * mask("token s3cr3t/+ used"); // "token **** used"
 * mask("?key=s3cr3t%2F%2B"); // "?key=****"
 * mask('{"k":"s3cr3t\\/\\u002B"}'); // '{"k":"****"}'
 * ```
 */
export function stringMasker(
  secrets: readonly (string | null | undefined)[],
  replacement = "****",
): StringMask {
  const m = compileMatcher(maskableSecrets(secrets), "text");
  if (m === null) return (text) => text;
  return (text) => {
    const s = scan(m, text);
    let start = s.next(0);
    if (start === -1) return text;
    let out = "";
    let cursor = 0;
    while (start !== -1) {
      out += text.slice(cursor, start) + replacement;
      cursor = s.end;
      start = s.next(cursor);
    }
    return out + text.slice(cursor);
  };
}

let cachedKey: string | null = null;
let cachedMask: StringMask | null = null;

/**
 * Masks `secrets` (every form of the policy) in a string: for log lines,
 * JUnit output, HTTP response bodies, error text.
 *
 * @example
 * ```ts
 * maskString("Authorization: Bearer hf_abcdef", ["hf_abcdef"]); // "Authorization: Bearer ****"
 * ```
 */
export function maskString(text: string, secrets: readonly (string | null | undefined)[]): string {
  const key = secrets.map((s) => typeof s === "string" ? `${s.length}:${s}` : "-").join("");
  if (key !== cachedKey || cachedMask === null) {
    cachedMask = stringMasker(secrets);
    cachedKey = key;
  }
  return cachedMask(text);
}

/**
 * Masks `secrets` in server- or system-supplied text, folds it to one line and
 * caps its length, so that it can go into a one-line error message.
 *
 * @example
 * ```ts
 * maskMessage("bad token\nabc123", ["abc123"]); // "bad token ****"
 * ```
 */
export function maskMessage(
  text: string,
  secrets: readonly (string | null | undefined)[],
  maxLength = 200,
): string {
  const out = maskString(text, secrets).replace(/\s+/g, " ").trim();
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}
