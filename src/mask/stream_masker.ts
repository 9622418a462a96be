/**
 * Byte-level secret masking for the output of child programs, with the
 * forms of the masking policy (`policy.ts`): raw, JSON-escaped (any char as
 * `\uXXXX`, `\/`), percent-encoded (`+` for a space), CRLF line breaks, and
 * each line of a multi-line secret. Occurrences are replaced by `****`, also
 * when they are split across chunks.
 *
 * Matching runs on a latin1 view of the bytes (one char per byte), so the
 * search itself is native code and the bytes around a match are never
 * decoded or altered: binary data and invalid UTF-8 pass through unchanged.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Transform } from "node:stream";
import { type Matcher, partialStart, type Scan, scan, scanWith } from "./matcher.ts";
import { compileMatcher, maskableSecrets } from "./policy.ts";
import { nativeByteSearch } from "../runtime/byte_search.ts";
import { concatBytes } from "../bytes.ts";

export { maskString, MIN_SECRET_LENGTH, stringMasker } from "./policy.ts";

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

/**
 * One char per byte (0–255), without copying through a decoder that remaps
 * 0x80–0x9f: the text the byte-mode matchers scan.
 *
 * @example
 * ```ts
 * latin1(new Uint8Array([0x68, 0xe9])); // "hé"
 * ```
 */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

const rawFormBytes = new WeakMap<Matcher, Buffer[]>();

/**
 * Above this many raw forms, one regular expression over a latin1 string
 * beats one native search per form.
 */
const NATIVE_SEARCH_MAX_FORMS = 6;

/**
 * A scan of `buf` that searches the bytes themselves (`Buffer.indexOf`, a
 * native memory search) and makes a string only of the windows around
 * indicator bytes: no copy of the whole chunk. Where `Buffer.indexOf` is not
 * native (Deno), or for many secrets, a scan of the chunk's latin1 string is
 * faster.
 */
function scanBytes(m: Matcher, buf: Uint8Array, byteSearch: boolean): Scan {
  if (!byteSearch || m.rawForms.length > NATIVE_SEARCH_MAX_FORMS) return scan(m, latin1(buf));
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let forms = rawFormBytes.get(m);
  if (forms === undefined) {
    forms = m.rawForms.map((f) => Buffer.from(f, "latin1"));
    rawFormBytes.set(m, forms);
  }
  const indicatorBytes = m.indicators.map((c) =>
    c.length === 1 ? c.charCodeAt(0) : Buffer.from(c, "latin1")
  );
  const next = forms.map(() => -1);
  const searchedFrom = forms.map(() => Infinity);
  let end = 0;
  return scanWith(m, b.length, {
    indicator: (k, from) => b.indexOf(indicatorBytes[k], from),
    literal(from) {
      let best = -1;
      for (let k = 0; k < forms!.length; k++) {
        let p = next[k];
        if (from < searchedFrom[k] || (p !== -1 && p < from)) {
          p = next[k] = b.indexOf(forms![k], from);
          searchedFrom[k] = from;
        }
        if (p !== -1 && (best === -1 || p < best)) {
          best = p;
          end = p + forms![k].length;
        }
      }
      return best;
    },
    literalEnd: () => end,
    window: (start, stop) => b.toString("latin1", start, stop),
  });
}

/**
 * The first position at or after `from`, within the last `maxLength - 1`
 * bytes, where the rest of `buf` could start an occurrence; `buf.length`
 * when there is none.
 */
function holdFrom(m: Matcher, buf: Uint8Array, from: number): number {
  const start = Math.max(from, buf.length - m.maxLength + 1);
  if (start >= buf.length) return buf.length;
  return start + partialStart(m, latin1(buf.subarray(start)), 0);
}

/** One array holding `pieces` one after another (the piece itself when there is one). */
function concat(pieces: Uint8Array[]): Uint8Array {
  if (pieces.length === 0) return EMPTY;
  if (pieces.length === 1) return pieces[0];
  return concatBytes(pieces);
}

/**
 * Masks `buf[from..)` up to the first position that could start an
 * incomplete occurrence (everything when `final`). Appends the output to
 * `pieces` (views of `buf` between copies of `replacement`) and returns how
 * far `buf` is consumed; the rest must be kept for the next call. With
 * `limit`, stops at the first position at or after `limit` that no
 * occurrence covers (the seam case: every occurrence is complete).
 */
function maskInto(
  m: Matcher,
  buf: Uint8Array,
  from: number,
  final: boolean,
  replacement: Uint8Array,
  pieces: Uint8Array[],
  byteSearch: boolean,
  limit = -1,
): number {
  const n = buf.length;
  let hold = final || limit !== -1 ? n : holdFrom(m, buf, from);
  if (limit !== -1) hold = limit;
  const s = scanBytes(m, buf, byteSearch);
  let cursor = from;
  for (;;) {
    const start = s.next(cursor);
    // A match at or after `hold` may still be superseded by a longer one that
    // starts at `hold` and ends in bytes not yet seen.
    if (start === -1 || start >= hold) break;
    if (start > cursor) pieces.push(buf.subarray(cursor, start));
    pieces.push(replacement.slice());
    cursor = s.end;
    if (cursor > hold) hold = limit !== -1 ? cursor : holdFrom(m, buf, cursor);
  }
  if (hold > cursor) pieces.push(buf.subarray(cursor, hold));
  return Math.max(hold, cursor);
}

/**
 * Masks secrets in a byte stream that arrives in chunks of any size.
 *
 * `push` returns the masked bytes that are final so far; it holds back fewer
 * bytes than the longest possible occurrence, and only when they could be
 * the start of one, so a prompt or a partial line of an interactive program
 * is emitted at once. `flush` returns what was held back. Bytes that are not
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
 * td.decode(m.push(te.encode("url?pw=hunter%322\n"))); // "url?pw=****\n"
 * td.decode(m.flush()); // ""
 * ```
 */
export class StreamMasker {
  #matcher: Matcher | null;
  #replacement: Uint8Array;
  #held: Uint8Array = EMPTY;
  #byteSearch: boolean;

  /**
   * A masker for one stream.
   *
   * @param secrets values to mask (see `maskableSecrets` for which are)
   * @param replacement what each occurrence becomes (default `****`)
   * @param options `byteSearch`: search the bytes with `Buffer#indexOf`
   *   instead of a latin1 string of each chunk (same results; default: where
   *   that is native code, see `nativeByteSearch`)
   */
  constructor(
    secrets: readonly (string | null | undefined)[],
    replacement = "****",
    options: { byteSearch?: boolean } = {},
  ) {
    this.#matcher = compileMatcher(maskableSecrets(secrets), "bytes");
    this.#replacement = encoder.encode(replacement);
    this.#byteSearch = options.byteSearch ?? nativeByteSearch;
  }

  /** The longest occurrence, in bytes, that this masker can find (0: masks nothing). */
  get maxLength(): number {
    return this.#matcher?.maxLength ?? 0;
  }

  /** Number of bytes currently held back (always below {@link StreamMasker.maxLength}). */
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
        const cursor = maskInto(
          m,
          seam,
          0,
          false,
          this.#replacement,
          pieces,
          this.#byteSearch,
          held.length,
        );
        from = cursor - held.length;
      }
    }
    const consumed = maskInto(m, buf, from, false, this.#replacement, pieces, this.#byteSearch);
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
    maskInto(this.#matcher, held, 0, true, this.#replacement, pieces, this.#byteSearch);
    return concat(pieces);
  }
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
