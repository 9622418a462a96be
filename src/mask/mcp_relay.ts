/**
 * Masking relay for the stdout of MCP stdio servers: newline-delimited
 * JSON-RPC, where every masked message must stay valid JSON.
 *
 * In a line that is JSON, masking is parse-aware: a string value or object
 * key holding a secret (in any form of the policy, also once more
 * JSON-escaped, as JSON text carried in a JSON string) is re-encoded with
 * `****` in place of the secret; a number or literal (`true`, `false`,
 * `null`) holding one becomes the string `"****"`; a secret that spans JSON
 * syntax (from one token into the next) replaces the smallest array or
 * object that holds it with `"****"` (the whole message when none does).
 * Everything else keeps its bytes: numbers, spacing, key order, escapes.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type Matcher, scan } from "./matcher.ts";
import { compileMatcher, maskableSecrets, type StringMask, stringMasker } from "./policy.ts";
import { latin1, StreamMasker } from "./stream_masker.ts";
import { nativeByteSearch } from "../runtime/byte_search.ts";
import { concatBytes } from "../bytes.ts";

const EMPTY = new Uint8Array(0);
const LF = 0x0a;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const MASKED_VALUE = '"****"';
/** Above this many raw forms, one search per form costs more than the scan it would spare. */
const QUICK_CHECK_MAX_FORMS = 6;

/** `[start, end)` pairs of the strings, scalars and containers of a valid JSON text. */
interface JsonTokens {
  strings: number[];
  scalars: number[];
  containers: number[];
}

function tokenize(text: string): JsonTokens {
  const t: JsonTokens = { strings: [], scalars: [], containers: [] };
  const open: number[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) j += 2;
        else if (d === 0x22 || Number.isNaN(d)) break;
        else j++;
      }
      t.strings.push(i, j + 1);
      i = j + 1;
    } else if (c === 0x7b || c === 0x5b) {
      open.push(i++);
    } else if (c === 0x7d || c === 0x5d) {
      t.containers.push(open.pop() ?? 0, ++i);
    } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2c || c === 0x3a) {
      i++;
    } else {
      let j = i + 1;
      while (j < n && !/[\s,\]}]/.test(text[j])) j++;
      t.scalars.push(i, j);
      i = j;
    }
  }
  return t;
}

function within(pairs: number[], start: number, end: number): boolean {
  for (let k = 0; k < pairs.length; k += 2) {
    if (pairs[k] <= start && end <= pairs[k + 1]) return true;
  }
  return false;
}

/** The smallest `[start, end)` pair holding `[start, end)`, or null. */
function smallestAround(pairs: number[], start: number, end: number): [number, number] | null {
  let best: [number, number] | null = null;
  for (let k = 0; k < pairs.length; k += 2) {
    const a = pairs[k];
    const b = pairs[k + 1];
    if (a <= start && end <= b && (best === null || b - a < best[1] - best[0])) best = [a, b];
  }
  return best;
}

/**
 * Relays the stdout of an MCP stdio server one JSON-RPC message (line) at a
 * time, masking secrets so that every message stays valid JSON.
 *
 * Each complete line is emitted as soon as its `\n` arrives. A line with no
 * secret passes through byte for byte. A line that is JSON is masked
 * parse-aware (see the module doc); a line that is not JSON is masked as raw
 * bytes. `\r\n` line ends are kept. The returned arrays may share memory
 * with the pushed chunks.
 *
 * @example
 * ```ts
 * const relay = new McpRelay(["sk-live-123"]);
 * const te = new TextEncoder();
 * const td = new TextDecoder();
 * td.decode(relay.push(te.encode('{"jsonrpc":"2.0","result":{"text":"key sk-live-'))); // ""
 * td.decode(relay.push(te.encode('123"}}\n{"id"'))); // '{"jsonrpc":"2.0","result":{"text":"key ****"}}\n'
 * td.decode(relay.flush()); // '{"id"'
 * ```
 */
export class McpRelay {
  #raw: StreamMasker;
  #bytes: Matcher | null;
  #text: Matcher | null;
  #mask: StringMask;
  #pending: Uint8Array[] = [];
  #pendingSize = 0;
  /**
   * What the bytes of a line must hold for it to need a look: the raw forms,
   * the strings that start every encoded form, and an escaped backslash.
   * Null where `Buffer#indexOf` is not native (then every block is scanned).
   */
  #needles: Buffer[] | null = null;

  /**
   * A relay for one stream.
   *
   * @param secrets values to mask (see `maskableSecrets` in `policy.ts`)
   */
  constructor(secrets: readonly (string | null | undefined)[]) {
    const maskable = maskableSecrets(secrets);
    this.#raw = new StreamMasker(maskable);
    this.#mask = stringMasker(maskable);
    this.#bytes = compileMatcher(maskable, "bytes");
    this.#text = compileMatcher(maskable, "text");
    const m = this.#bytes;
    if (nativeByteSearch && m !== null && m.rawForms.length <= QUICK_CHECK_MAX_FORMS) {
      this.#needles = [...m.rawForms, ...m.indicators, "\\\\"].map((f) => Buffer.from(f, "latin1"));
    }
  }

  /** Whether no line of `block` can hold a secret (a native search per needle). */
  #clean(block: Uint8Array): boolean {
    const b = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
    for (const needle of this.#needles!) if (b.indexOf(needle) !== -1) return false;
    return true;
  }

  /** Number of bytes of an incomplete line currently held back. */
  get pendingLength(): number {
    return this.#pendingSize;
  }

  /** Relays the next chunk; returns the complete (masked) lines it finished. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#bytes === null) return chunk;
    const nl = chunk.lastIndexOf(LF);
    if (nl === -1) {
      if (chunk.length > 0) {
        this.#pending.push(chunk.slice());
        this.#pendingSize += chunk.length;
      }
      return EMPTY;
    }
    let block = nl + 1 === chunk.length ? chunk : chunk.subarray(0, nl + 1);
    if (this.#pendingSize > 0) {
      this.#pending.push(block);
      block = concatBytes(this.#pending, this.#pendingSize + block.length);
    }
    this.#pending = nl + 1 < chunk.length ? [chunk.slice(nl + 1)] : [];
    this.#pendingSize = chunk.length - nl - 1;
    return this.#relayLines(block);
  }

  /** Returns the trailing partial line, masked; the relay can then be reused. */
  flush(): Uint8Array {
    if (this.#pendingSize === 0) return EMPTY;
    const rest = concatBytes(this.#pending, this.#pendingSize);
    this.#pending = [];
    this.#pendingSize = 0;
    if (this.#bytes === null) return rest;
    return this.#maskLine(rest);
  }

  /**
   * Masks a block of complete lines (it ends with `\n`). A line is looked at
   * when a secret shows in its bytes, or when it holds an escaped backslash
   * (JSON text inside a JSON string can hide a secret behind two levels of
   * escaping).
   */
  #relayLines(block: Uint8Array): Uint8Array {
    // Most messages hold no secret: a few native searches say so without a scan.
    if (this.#needles !== null && this.#clean(block)) return block;
    const text = latin1(block);
    const s = scan(this.#bytes!, text);
    const parts: Uint8Array[] = [];
    let size = 0;
    let pos = 0; // lines before pos are decided
    let kept = 0; // bytes from kept on are passed as they are
    let nextMatch = -2;
    let matchEnd = 0;
    let nextEscape = -2;
    for (;;) {
      if (nextMatch !== -1 && nextMatch < pos) {
        nextMatch = s.next(pos);
        matchEnd = s.end;
      }
      if (nextEscape !== -1 && nextEscape < pos) nextEscape = text.indexOf("\\\\", pos);
      const hit = nextMatch === -1
        ? nextEscape
        : nextEscape === -1
        ? nextMatch
        : Math.min(nextMatch, nextEscape);
      if (hit === -1) break;
      const start = hit === 0 ? 0 : text.lastIndexOf("\n", hit - 1) + 1;
      // A secret with a raw newline inside can span lines: take them together.
      let end: number;
      if (hit !== nextMatch) end = text.indexOf("\n", hit);
      else if (text.charCodeAt(matchEnd - 1) === LF) end = matchEnd; // the newline is masked too
      else end = text.indexOf("\n", matchEnd - 1);
      const line = block.subarray(start, end);
      const masked = this.#maskLine(line);
      if (masked !== line) {
        const piece = block.subarray(kept, start);
        parts.push(piece, masked);
        size += piece.length + masked.length;
        kept = end;
      }
      pos = end;
    }
    if (parts.length === 0) return block;
    const tail = block.subarray(kept);
    parts.push(tail);
    return concatBytes(parts, size + tail.length);
  }

  /**
   * Masks one line (without its `\n`). A trailing `\r` stays part of the line:
   * it is JSON whitespace, and in raw masking it is kept unless a secret ends with it.
   */
  #maskLine(line: Uint8Array): Uint8Array {
    return this.#maskJson(line) ?? this.#maskRaw(line);
  }

  /** Masks a line that is JSON, keeping it valid JSON; null when it is not JSON. */
  #maskJson(line: Uint8Array): Uint8Array | null {
    let text: string;
    try {
      text = strictDecoder.decode(line);
      JSON.parse(text);
    } catch {
      return null;
    }
    const mask = this.#mask;
    let out = "";
    let from = 0;
    const tokens = tokenize(text);
    const edits: [number, number, string][] = [];
    for (let k = 0; k < tokens.strings.length; k += 2) {
      const token = text.slice(tokens.strings[k], tokens.strings[k + 1]);
      let value: string;
      try {
        value = token.indexOf("\\") === -1 ? token.slice(1, -1) : JSON.parse(token);
      } catch {
        return null; // not expected for valid JSON; the error text could quote a secret
      }
      const masked = mask(value);
      if (masked !== value) {
        edits.push([tokens.strings[k], tokens.strings[k + 1], JSON.stringify(masked)]);
      }
    }
    for (let k = 0; k < tokens.scalars.length; k += 2) {
      const token = text.slice(tokens.scalars[k], tokens.scalars[k + 1]);
      if (mask(token) !== token) {
        edits.push([tokens.scalars[k], tokens.scalars[k + 1], MASKED_VALUE]);
      }
    }
    edits.sort((a, b) => a[0] - b[0]);
    for (const [start, end, replacement] of edits) {
      out += text.slice(from, start) + replacement;
      from = end;
    }
    let changed = edits.length > 0;
    if (changed) text = out + text.slice(from);
    // A secret that spans JSON syntax: mask the smallest array or object
    // holding it. Occurrences inside a string whose decoded value is clean
    // are artefacts of escaping (`\n` followed by "ab" is not the secret
    // "nab") and are left alone.
    for (let round = 0; round < 64; round++) {
      const t = tokenize(text);
      const s = scan(this.#text!, text);
      let start = s.next(0);
      while (start !== -1 && within(t.strings, start, s.end)) start = s.next(s.end);
      if (start === -1) break;
      const around = smallestAround(t.containers, start, s.end);
      changed = true;
      if (around === null) {
        text = MASKED_VALUE + (text.endsWith("\r") ? "\r" : "");
        break;
      }
      text = text.slice(0, around[0]) + MASKED_VALUE + text.slice(around[1]);
    }
    return changed ? encoder.encode(text) : line;
  }

  /** Masks complete bytes with {@link StreamMasker} semantics. */
  #maskRaw(bytes: Uint8Array): Uint8Array {
    if (scan(this.#bytes!, latin1(bytes)).next(0) === -1) return bytes;
    const head = this.#raw.push(bytes);
    const rest = this.#raw.flush();
    return rest.length === 0 ? head : concatBytes([head, rest], head.length + rest.length);
  }
}
