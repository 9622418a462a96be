/**
 * Masking relay for the stdout of MCP stdio servers: newline-delimited
 * JSON-RPC, where every masked message must stay valid JSON.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { maskPatterns, StreamMasker, type StringMask, stringMasker } from "./mask.ts";

const EMPTY = new Uint8Array(0);
const LF = 0x0a;
const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The `[start, end]` index pairs of the string tokens (quotes included) of a
 * valid JSON text.
 */
function stringTokens(text: string): number[] {
  const spans: number[] = [];
  let backslash = text.indexOf("\\");
  let quote = text.indexOf('"');
  while (quote !== -1) {
    const start = quote;
    let j = start + 1;
    for (;;) {
      // Both searches only move forward: linear in the text's length.
      if (quote < j) quote = text.indexOf('"', j);
      if (quote === -1) return spans; // unterminated: not valid JSON
      if (backslash !== -1 && backslash < j) backslash = text.indexOf("\\", j);
      if (backslash === -1 || backslash > quote) break;
      j = backslash + 2; // skip the escaped char
    }
    spans.push(start, quote);
    quote = text.indexOf('"', quote + 1);
  }
  return spans;
}

/**
 * Chars that JSON encoders write as they are, or as `\uXXXX` or `\/`
 * (which the trigger catches), but never with another escape.
 */
const PLAIN_RUNS = /[\x20\x21\x23-\x5b\x5d-\x7e]+/g;
const MIN_RUN = 4;

/**
 * Which lines must be decoded although no byte pattern of a secret shows in
 * them: a JSON string can hold a secret written with escapes. Only `\u` and
 * `\/` escapes can hide a secret made of plain printable ASCII. A secret with
 * other chars (a quote, a newline, non-ASCII) can also hide behind short
 * escapes (say inside JSON text carried in a JSON string), but its longest run
 * of plain chars still shows as it is; when that run is too short to search
 * for, every line with a backslash is decoded.
 */
function escapeTrigger(secrets: string[]): RegExp {
  const runs = new Set<string>();
  for (const secret of secrets) {
    if (maskPatterns([secret]).length === 0) continue;
    const plain = secret.match(PLAIN_RUNS) ?? [];
    if (plain.length === 1 && plain[0] === secret) continue;
    const longest = plain.reduce((a, b) => b.length > a.length ? b : a, "");
    if (longest.length < MIN_RUN) return /\\/g;
    runs.add(longest.replace(/[\\^$.*+?()[\]{}|-]/g, "\\$&"));
  }
  return new RegExp(["\\\\[u/]", ...runs].join("|"), "g");
}

/** Whether `[start, end)` lies within one span of `spans` (sorted `[start, end]` pairs). */
function insideSpan(spans: number[], start: number, end: number): boolean {
  let lo = 0;
  let hi = spans.length / 2 - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (spans[2 * mid] <= start) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found !== -1 && end <= spans[2 * found + 1] + 1;
}

/**
 * Relays the stdout of an MCP stdio server one JSON-RPC message (line) at a
 * time, masking secrets so that every message stays valid JSON.
 *
 * Each complete line is emitted as soon as its `\n` arrives. A line with no
 * secret passes through byte for byte. In a line that is JSON, secrets are
 * replaced by `****` inside string values and object keys (also when they
 * appear there only through JSON escapes), and only the string tokens that
 * change are re-encoded: numbers, whitespace and key order stay as they were.
 * Lines that are not JSON, and secrets found outside any string token, are
 * masked as raw bytes. `\r\n` line ends are kept. The returned arrays may
 * share memory with the pushed chunks.
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
  #regex: RegExp | null;
  #escapeTrigger: RegExp;
  #mask: StringMask;
  #pending: Uint8Array[] = [];
  #pendingSize = 0;

  /** @param secrets values to mask (see {@link maskPatterns} for the forms searched) */
  constructor(secrets: string[]) {
    const patterns = maskPatterns(secrets);
    this.#raw = new StreamMasker(secrets);
    this.#mask = stringMasker(secrets);
    this.#regex = patterns.length === 0 ? null : new RegExp(
      patterns.map((p) => [...p].map((b) => "\\x" + b.toString(16).padStart(2, "0")).join(""))
        .join("|"),
      "g",
    );
    this.#escapeTrigger = escapeTrigger(secrets);
  }

  /** Number of bytes of an incomplete line currently held back. */
  get pendingLength(): number {
    return this.#pendingSize;
  }

  /** Relays the next chunk; returns the complete (masked) lines it finished. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#regex === null) return chunk;
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
      block = concat(this.#pending, this.#pendingSize + block.length);
    }
    this.#pending = nl + 1 < chunk.length ? [chunk.slice(nl + 1)] : [];
    this.#pendingSize = chunk.length - nl - 1;
    return this.#relayLines(block);
  }

  /** Returns the trailing partial line, masked; the relay can then be reused. */
  flush(): Uint8Array {
    if (this.#pendingSize === 0) return EMPTY;
    const rest = concat(this.#pending, this.#pendingSize);
    this.#pending = [];
    this.#pendingSize = 0;
    if (this.#regex === null) return rest;
    return this.#maskLine(rest);
  }

  /** Masks a block of complete lines (it ends with `\n`). */
  #relayLines(block: Uint8Array): Uint8Array {
    const re = this.#regex;
    if (re === null) return block;
    const trigger = this.#escapeTrigger;
    const text = latin1(block);
    const parts: Uint8Array[] = [];
    let size = 0;
    let pos = 0; // lines before pos are decided
    let kept = 0; // bytes from kept on are passed as they are
    let nextMatch = -2;
    let matchEnd = 0;
    let nextEscape = -2;
    for (;;) {
      if (nextMatch !== -1 && nextMatch < pos) {
        re.lastIndex = pos;
        const m = re.exec(text);
        nextMatch = m === null ? -1 : m.index;
        matchEnd = m === null ? 0 : m.index + m[0].length;
      }
      if (nextEscape !== -1 && nextEscape < pos) {
        trigger.lastIndex = pos;
        const m = trigger.exec(text);
        nextEscape = m === null ? -1 : m.index;
      }
      const hit = nextMatch === -1 ? nextEscape : nextEscape === -1 ? nextMatch : Math.min(
        nextMatch,
        nextEscape,
      );
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
    re.lastIndex = 0;
    trigger.lastIndex = 0;
    if (parts.length === 0) return block;
    const tail = block.subarray(kept);
    parts.push(tail);
    return concat(parts, size + tail.length);
  }

  /**
   * Masks one line (without its `\n`). A trailing `\r` stays part of the line:
   * it is JSON whitespace, and in raw masking it is kept unless a secret ends with it.
   */
  #maskLine(line: Uint8Array): Uint8Array {
    return this.#maskJson(line) ?? this.#maskRaw(line);
  }

  /** Masks a line that is JSON; null when it is not. */
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
    let changed = false;
    const spans = stringTokens(text);
    for (let k = 0; k < spans.length; k += 2) {
      const token = text.slice(spans[k], spans[k + 1] + 1);
      let value: string;
      try {
        value = token.indexOf("\\") === -1 ? token.slice(1, -1) : JSON.parse(token);
      } catch {
        return null; // not expected for valid JSON; the error text could quote a secret
      }
      const masked = mask(value);
      if (masked === value) continue;
      out += text.slice(from, spans[k]) + JSON.stringify(masked);
      from = spans[k + 1] + 1;
      changed = true;
    }
    if (changed) text = out + text.slice(from);
    // A secret outside every string token (in a number, or across tokens)
    // cannot be masked inside a string: mask those bytes as they are, even
    // though the line may then no longer parse. Occurrences inside a string
    // token whose decoded value is clean are artefacts of escaping (`\n`
    // followed by "ab" is not the secret "nab") and are left alone.
    const re = this.#regex!;
    const after = changed ? stringTokens(text) : spans;
    const bytes = changed ? encoder.encode(text) : line;
    const view = latin1(bytes);
    const units = new Utf16Offsets(bytes);
    re.lastIndex = 0;
    let residual = false;
    for (let m = re.exec(view); m !== null; m = re.exec(view)) {
      // Spans index UTF-16 units; convert the byte offsets of the match.
      const start = units.at(m.index);
      if (!insideSpan(after, start, units.at(m.index + m[0].length))) {
        residual = true;
        break;
      }
    }
    re.lastIndex = 0;
    if (residual) return this.#maskRaw(bytes);
    return bytes;
  }

  /** Masks complete bytes with {@link StreamMasker} semantics. */
  #maskRaw(bytes: Uint8Array): Uint8Array {
    const re = this.#regex!;
    re.lastIndex = 0;
    if (!re.test(latin1(bytes))) return bytes;
    re.lastIndex = 0;
    const head = this.#raw.push(bytes);
    const rest = this.#raw.flush();
    return rest.length === 0 ? head : concat([head, rest], head.length + rest.length);
  }
}

/** Converts increasing byte offsets of valid UTF-8 into UTF-16 indices. */
class Utf16Offsets {
  #bytes: Uint8Array;
  #byte = 0;
  #units = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  /** The UTF-16 index of the char starting at `byteOffset` (not below the previous call's). */
  at(byteOffset: number): number {
    const bytes = this.#bytes;
    for (; this.#byte < byteOffset; this.#byte++) {
      const b = bytes[this.#byte];
      if ((b & 0xc0) !== 0x80) this.#units += b >= 0xf0 ? 2 : 1;
    }
    return this.#units;
  }
}
