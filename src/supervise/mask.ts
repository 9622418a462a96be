/**
 * Byte-level secret masking for the output of child programs.
 *
 * Every secret is searched in three forms: its raw UTF-8 bytes, its
 * JSON-escaped form (`JSON.stringify(v).slice(1, -1)`) and its JSON-escaped
 * form with every non-ASCII character written as `\uXXXX` (what encoders such
 * as Python's `json.dumps` emit by default). Occurrences are replaced by
 * `****`, leftmost-longest, also when they are split across chunks.
 *
 * Matching runs on a latin1 view of the bytes (one char per byte) with one
 * compiled alternation, so the search itself is native code and the bytes
 * around a match are never decoded or altered: binary data and invalid UTF-8
 * pass through unchanged.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Transform } from "node:stream";

/**
 * Secrets shorter than this many characters (code points) are not masked:
 * replacing every `a` or `42` in a program's output would destroy it while
 * hiding nothing.
 *
 * @example
 * ```ts
 * maskString("pin 42, key abc", ["42", "abc"]); // "pin 42, key ****"
 * ```
 */
export const MIN_MASK_LENGTH = 3;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/** The secrets long enough to be masked. */
function maskable(secrets: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < MIN_MASK_LENGTH) continue;
    // Length in code points, so that two astral characters do not count as four.
    let n = 0;
    for (const _ of s) if (++n >= MIN_MASK_LENGTH) break;
    if (n >= MIN_MASK_LENGTH) out.push(s);
  }
  return out;
}

/** `\uXXXX` for every UTF-16 code unit above 0x7f (surrogate pairs as two escapes). */
function asciiEscape(jsonEscaped: string): string {
  let out = "";
  for (let i = 0; i < jsonEscaped.length; i++) {
    const c = jsonEscaped.charCodeAt(i);
    out += c < 0x80 ? jsonEscaped[i] : "\\u" + c.toString(16).padStart(4, "0");
  }
  return out;
}

/** The textual forms of the maskable secrets, deduplicated, longest (in UTF-8 bytes) first. */
function textForms(secrets: readonly string[]): string[] {
  const forms = new Map<string, number>();
  for (const s of maskable(secrets)) {
    const escaped = JSON.stringify(s).slice(1, -1);
    for (const form of [s, escaped, asciiEscape(escaped)]) {
      if (!forms.has(form)) forms.set(form, encoder.encode(form).length);
    }
  }
  return [...forms.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map((e) =>
    e[0]
  );
}

/**
 * The byte patterns that masking searches for: for every secret of at least
 * {@link MIN_MASK_LENGTH} characters, its raw UTF-8 bytes, its JSON-escaped
 * form and its JSON-escaped form with non-ASCII as `\uXXXX`; deduplicated,
 * longest first.
 *
 * @example
 * ```ts
 * const td = new TextDecoder();
 * maskPatterns(['pa"ss']).map((p) => td.decode(p)); // ['pa\\"ss', 'pa"ss']
 * maskPatterns(["ab"]); // [] (too short to mask)
 * ```
 */
export function maskPatterns(secrets: string[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const form of textForms(secrets)) {
    const bytes = encoder.encode(form);
    const key = latin1(bytes);
    if (seen.has(key)) continue; // lone surrogates can collapse to the same bytes
    seen.add(key);
    out.push(bytes);
  }
  return out;
}

/** One char per byte (0–255), without copying through a decoder that remaps 0x80–0x9f. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/;

/** A regex source matching exactly the given chars (all below 0x100, or any UTF-16 unit). */
function regexLiteral(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i];
    if (c >= 0x30 && c <= 0x39 || c >= 0x41 && c <= 0x5a || c >= 0x61 && c <= 0x7a || c === 0x5f) {
      out += ch;
    } else if (c < 0x100) {
      out += REGEX_SPECIAL.test(ch) || c < 0x20 || c >= 0x7f
        ? "\\x" + c.toString(16).padStart(2, "0")
        : ch;
    } else {
      out += "\\u" + c.toString(16).padStart(4, "0");
    }
  }
  return out;
}

/**
 * A global regex that finds the leftmost occurrence of any of `forms`, and at
 * that position the longest one (alternatives are tried in order, longest first).
 */
function alternation(forms: string[]): RegExp {
  return new RegExp(forms.map(regexLiteral).join("|"), "g");
}

/** Patterns compiled for matching on latin1 views of bytes. */
interface ByteMatcher {
  patterns: Uint8Array[];
  regex: RegExp;
  maxLength: number;
  /** Patterns grouped by their first byte (for the partial-match check at a chunk's end). */
  byFirstByte: (Uint8Array[] | undefined)[];
}

function byteMatcher(secrets: readonly string[]): ByteMatcher | null {
  const patterns = maskPatterns([...secrets]);
  if (patterns.length === 0) return null;
  const byFirstByte: (Uint8Array[] | undefined)[] = new Array(256);
  for (const p of patterns) (byFirstByte[p[0]] ??= []).push(p);
  return {
    patterns,
    regex: alternation(patterns.map(latin1)),
    maxLength: patterns[0].length,
    byFirstByte,
  };
}

/**
 * The smallest `i >= from` such that `buf[i..)` is a proper prefix of some
 * pattern (the start of an occurrence that later bytes may complete), or
 * `buf.length` when there is none.
 */
function partialStart(m: ByteMatcher, buf: Uint8Array, from: number): number {
  const n = buf.length;
  for (let i = Math.max(from, n - m.maxLength + 1); i < n; i++) {
    const group = m.byFirstByte[buf[i]];
    if (group === undefined) continue;
    const rest = n - i;
    for (const p of group) {
      if (p.length <= rest) continue;
      let j = 1;
      while (j < rest && p[j] === buf[i + j]) j++;
      if (j === rest) return i;
    }
  }
  return n;
}

/** One array holding `pieces` one after another (the piece itself when there is one). */
function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 0) return EMPTY;
  if (pieces.length === 1) return pieces[0];
  let size = 0;
  for (const p of pieces) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Masks `buf[from..)` up to the first position that could start an
 * incomplete occurrence (everything when `final`). Appends the output to
 * `pieces` (views of `buf` between copies of `replacement`) and returns how
 * far `buf` is consumed; the rest must be kept for the next call.
 */
function maskInto(
  m: ByteMatcher,
  buf: Uint8Array,
  from: number,
  final: boolean,
  replacement: Uint8Array,
  pieces: Uint8Array[],
): number {
  const n = buf.length;
  let hold = final ? n : partialStart(m, buf, from);
  const re = m.regex;
  const text = latin1(buf);
  let cursor = from;
  re.lastIndex = from;
  for (;;) {
    const found = re.exec(text);
    // A match at or after `hold` may still be superseded by a longer one that
    // starts at `hold` and ends in bytes not yet seen.
    if (found === null || found.index >= hold) break;
    if (found.index > cursor) pieces.push(buf.subarray(cursor, found.index));
    pieces.push(replacement.slice());
    cursor = found.index + found[0].length;
    re.lastIndex = cursor;
    if (cursor > hold) hold = partialStart(m, buf, cursor);
  }
  re.lastIndex = 0;
  if (hold > cursor) pieces.push(buf.subarray(cursor, hold));
  return hold;
}

/**
 * Masks secrets in a byte stream that arrives in chunks of any size.
 *
 * `push` returns the masked bytes that are final so far; it holds back at
 * most (longest pattern − 1) bytes, and only when they could be the start of
 * a secret, so a prompt or a partial line of an interactive program is
 * emitted at once. `flush` returns what was held back. Bytes that are not
 * part of a match pass through unchanged. The returned arrays may share
 * memory with the pushed chunks; with no secrets to mask, `push` returns its
 * argument. `pushv` returns the same bytes as a list of pieces, without
 * copying the chunk even when it contains a secret.
 *
 * @example
 * ```ts
 * const m = new StreamMasker(["hunter22"]);
 * const td = new TextDecoder();
 * const te = new TextEncoder();
 * td.decode(m.push(te.encode("pw=hun"))); // "pw="  ("hun" is held back)
 * td.decode(m.push(te.encode("ter22\n"))); // "****\n"
 * td.decode(m.flush()); // ""
 * ```
 */
export class StreamMasker {
  #matcher: ByteMatcher | null;
  #replacement: Uint8Array;
  #held: Uint8Array = EMPTY;

  /**
   * @param secrets values to mask (those under {@link MIN_MASK_LENGTH} characters are ignored)
   * @param replacement what each occurrence becomes (default `****`)
   */
  constructor(secrets: string[], replacement = "****") {
    this.#matcher = byteMatcher(secrets);
    this.#replacement = encoder.encode(replacement);
  }

  /** The byte patterns this masker searches for (see {@link maskPatterns}). */
  get patterns(): Uint8Array[] {
    return this.#matcher ? this.#matcher.patterns.map((p) => p.slice()) : [];
  }

  /** Number of bytes currently held back (always below the longest pattern's length). */
  get pendingLength(): number {
    return this.#held.length;
  }

  /** Masks the next chunk; returns the bytes that can be written now. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#matcher === null) return chunk;
    return concat(this.pushv(chunk));
  }

  /**
   * Like {@link StreamMasker.push}, but returns the output as pieces to be
   * written in order (views of `chunk`, and small arrays for replacements
   * and held-back bytes), so that a chunk is never copied.
   */
  pushv(chunk: Uint8Array): Uint8Array[] {
    const m = this.#matcher;
    if (m === null) return chunk.length === 0 ? [] : [chunk];
    const held = this.#held;
    const pieces: Uint8Array[] = [];
    let buf = chunk;
    let from = 0;
    if (held.length > 0) {
      const seamLength = Math.min(chunk.length, m.maxLength - 1);
      const seam = new Uint8Array(held.length + seamLength);
      seam.set(held);
      seam.set(chunk.subarray(0, seamLength), held.length);
      if (seamLength === chunk.length) {
        buf = seam; // a short chunk: mask held bytes and chunk together
      } else {
        // Every occurrence that starts in the held bytes ends within the seam:
        // decide them there, then go on in the chunk where the seam left off.
        const cursor = maskSeam(m, seam, held.length, this.#replacement, pieces);
        from = cursor - held.length;
      }
    }
    const consumed = maskInto(m, buf, from, false, this.#replacement, pieces);
    // Copy: the caller may reuse its chunk buffer for the next read.
    this.#held = consumed === buf.length ? EMPTY : buf.slice(consumed);
    return pieces;
  }

  /** Returns the masked bytes still held back; the masker can then be reused. */
  flush(): Uint8Array {
    const held = this.#held;
    this.#held = EMPTY;
    if (this.#matcher === null || held.length === 0) return held;
    const pieces: Uint8Array[] = [];
    maskInto(this.#matcher, held, 0, true, this.#replacement, pieces);
    return concat(pieces);
  }
}

/**
 * Masks the first `limit` bytes of `seam` (held bytes followed by at least
 * longest − 1 bytes of the next chunk, so every occurrence starting there is
 * complete). Returns where the scan stopped: `limit`, or the end of an
 * occurrence that runs past it.
 */
function maskSeam(
  m: ByteMatcher,
  seam: Uint8Array,
  limit: number,
  replacement: Uint8Array,
  pieces: Uint8Array[],
): number {
  const re = m.regex;
  const text = latin1(seam);
  let cursor = 0;
  re.lastIndex = 0;
  while (cursor < limit) {
    const found = re.exec(text);
    if (found === null || found.index >= limit) {
      pieces.push(seam.subarray(cursor, limit));
      cursor = limit;
      break;
    }
    if (found.index > cursor) pieces.push(seam.subarray(cursor, found.index));
    pieces.push(replacement.slice());
    cursor = found.index + found[0].length;
    re.lastIndex = cursor;
  }
  re.lastIndex = 0;
  return cursor;
}

/** A compiled string masker; see {@link stringMasker}. */
export type StringMask = (text: string) => string;

let cachedKey: string | null = null;
let cachedMask: StringMask | null = null;

/**
 * A function that masks `secrets` (raw and JSON-escaped forms) in strings,
 * with the same leftmost-longest rule as {@link StreamMasker}. Compile it
 * once when masking many strings with the same secrets.
 *
 * @example
 * ```ts
 * const mask = stringMasker(["s3cr3t!"]);
 * mask("token s3cr3t! used"); // "token **** used"
 * ```
 */
export function stringMasker(secrets: string[], replacement = "****"): StringMask {
  const forms = textForms(secrets);
  if (forms.length === 0) return (text) => text;
  const re = alternation(forms);
  return (text) => {
    re.lastIndex = 0;
    return re.test(text) ? text.replace(re, () => replacement) : text;
  };
}

/**
 * Masks `secrets` (raw and JSON-escaped forms) in a string: for log lines,
 * JUnit output, HTTP response bodies.
 *
 * @example
 * ```ts
 * maskString("Authorization: Bearer hf_abcdef", ["hf_abcdef"]); // "Authorization: Bearer ****"
 * ```
 */
export function maskString(text: string, secrets: string[]): string {
  const key = secrets.map((s) => `${s.length}:${s}`).join("");
  if (key !== cachedKey || cachedMask === null) {
    cachedMask = stringMasker(secrets);
    cachedKey = key;
  }
  return cachedMask(text);
}

/**
 * A `node:stream` Transform that masks `secrets` in the bytes flowing
 * through it (see {@link StreamMasker}). Works under Deno, Bun and Node.
 *
 * @example
 * ```ts
 * import { spawn } from "node:child_process";
 * import process from "node:process";
 * const child = spawn("printenv", ["TOKEN"], { env: { TOKEN: "abc123" } });
 * child.stdout.pipe(createMaskTransform(["abc123"])).pipe(process.stdout); // prints "****"
 * ```
 */
export function createMaskTransform(secrets: string[], replacement = "****"): Transform {
  const masker = new StreamMasker(secrets, replacement);
  const toBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return new Transform({
    transform(chunk: Uint8Array | string, encoding, callback) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
      for (const piece of masker.pushv(bytes)) if (piece.length > 0) this.push(toBuffer(piece));
      callback();
    },
    flush(callback) {
      const out = masker.flush();
      if (out.length > 0) this.push(toBuffer(out));
      callback();
    },
  });
}
