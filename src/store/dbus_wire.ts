/**
 * The D-Bus wire format, private to the keychain store: signatures,
 * little-endian marshalling of the basic types, arrays, structs, dict entries
 * and variants, method calls, and the splitting of received bytes into
 * messages (either byte order).
 *
 * @module
 */

/** A D-Bus variant: the signature of one complete type and its value. */
export interface Variant {
  /** The signature of one complete type, e.g. `ay`. */
  sig: string;
  /** The value, as {@link marshal} takes it. */
  value: unknown;
}

/** A decoded message: its type (1 call, 2 return, 3 error, 4 signal) and body. */
export interface BusMessage {
  /** 1 method call, 2 method return, 3 error, 4 signal. */
  type: number;
  /** The sender's serial of this message. */
  serial: number;
  /** For replies: the serial of the call answered. */
  replySerial?: number;
  /** For errors: the error name. */
  errorName?: string;
  /** The body, as {@link unmarshal} returns it. */
  body: unknown[];
}

const byCode = (codes: string, n: number) => Object.fromEntries([...codes].map((c) => [c, n]));
/** Alignment of each type code. */
const ALIGN: Record<string, number> = {
  ...byCode("yvg", 1),
  ...byCode("nq", 2),
  ...byCode("buihsoa", 4),
  ...byCode("xtd({", 8),
};

/** The index just past the complete type that starts at `sig[i]`. */
function typeEnd(sig: string, i: number): number {
  const c = sig[i];
  if (c === "a") return typeEnd(sig, i + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let j = i + 1;
    while (sig[j] !== close) {
      if (j >= sig.length) throw new Error(`bad D-Bus signature ${sig}`);
      j = typeEnd(sig, j);
    }
    return j + 1;
  }
  if (!(c in ALIGN)) throw new Error(`bad D-Bus signature ${sig}`);
  return i + 1;
}

/**
 * Splits a signature into its complete types.
 *
 * @example
 * ```ts
 * splitSignature("sa{ss}(oay)"); // ["s", "a{ss}", "(oay)"]
 * ```
 */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < sig.length;) {
    const end = typeEnd(sig, i);
    out.push(sig.slice(i, end));
    i = end;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  length = 0;
  #room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  pad(n: number): void {
    while (this.length % n) this.bytes([0]);
  }
  bytes(b: ArrayLike<number>): void {
    this.#room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u32(v: number): void {
    this.pad(4);
    this.#room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  value(type: string, v: unknown): void {
    const c = type[0];
    switch (c) {
      case "y":
        return this.bytes([Number(v) & 255]);
      case "b":
        return this.u32(v ? 1 : 0);
      case "u":
      case "i":
        return this.u32(Number(v) >>> 0);
      case "s":
      case "o": {
        const b = encoder.encode(String(v));
        this.u32(b.length);
        return this.bytes([...b, 0]);
      }
      case "g": {
        const b = encoder.encode(String(v));
        return this.bytes([b.length, ...b, 0]);
      }
      case "v": {
        const { sig, value } = v as Variant;
        this.value("g", sig);
        return this.value(sig, value);
      }
      case "a": {
        const element = type.slice(1);
        this.u32(0);
        const at = this.length - 4;
        this.pad(ALIGN[element[0]]);
        const start = this.length;
        if (element === "y") this.bytes(v as Uint8Array);
        else for (const item of v as unknown[]) this.value(element, item);
        this.view.setUint32(at, this.length - start, true);
        return;
      }
      case "(":
      case "{": {
        this.pad(8);
        const parts = splitSignature(type.slice(1, -1));
        parts.forEach((t, k) => this.value(t, (v as unknown[])[k]));
        return;
      }
      default:
        throw new Error(`credkit cannot write D-Bus type ${type}`);
    }
  }
}

/**
 * Marshals `values` of signature `sig` (little-endian) as a message body.
 * Arrays of bytes are `Uint8Array`s, other arrays JS arrays, structs and dict
 * entries arrays of their members, variants {@link Variant}s.
 *
 * @example
 * ```ts
 * marshal("s", ["hi"]); // Uint8Array [2, 0, 0, 0, 104, 105, 0]
 * ```
 */
export function marshal(sig: string, values: unknown[]): Uint8Array {
  const w = new Writer();
  splitSignature(sig).forEach((t, i) => w.value(t, values[i]));
  return w.buf.slice(0, w.length);
}

/** Reads values of a signature from a buffer (offsets relative to the message start). */
class Reader {
  readonly view: DataView;
  constructor(readonly buf: Uint8Array, public offset: number, readonly le: boolean) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  align(n: number): void {
    this.offset = (this.offset + n - 1) & ~(n - 1);
  }
  u32(): number {
    this.align(4);
    const v = this.view.getUint32(this.offset, this.le);
    this.offset += 4;
    return v;
  }
  value(type: string): unknown {
    const c = type[0];
    switch (c) {
      case "y":
        return this.buf[this.offset++];
      case "b":
        return this.u32() !== 0;
      case "n":
      case "q": {
        this.align(2);
        const v = c === "n"
          ? this.view.getInt16(this.offset, this.le)
          : this.view.getUint16(this.offset, this.le);
        this.offset += 2;
        return v;
      }
      case "i":
        this.align(4);
        this.offset += 4;
        return this.view.getInt32(this.offset - 4, this.le);
      case "u":
      case "h":
        return this.u32();
      case "x":
      case "t":
      case "d": {
        this.align(8);
        const v = c === "x"
          ? this.view.getBigInt64(this.offset, this.le)
          : c === "t"
          ? this.view.getBigUint64(this.offset, this.le)
          : this.view.getFloat64(this.offset, this.le);
        this.offset += 8;
        return v;
      }
      case "s":
      case "o": {
        const n = this.u32();
        const s = decoder.decode(this.buf.subarray(this.offset, this.offset + n));
        this.offset += n + 1;
        return s;
      }
      case "g": {
        const n = this.buf[this.offset];
        const s = decoder.decode(this.buf.subarray(this.offset + 1, this.offset + 1 + n));
        this.offset += n + 2;
        return s;
      }
      case "v": {
        const sig = this.value("g") as string;
        return { sig, value: this.value(sig) } satisfies Variant;
      }
      case "a": {
        const element = type.slice(1);
        const n = this.u32();
        this.align(ALIGN[element[0]]);
        const end = this.offset + n;
        if (end > this.buf.length) throw new Error("truncated D-Bus array");
        if (element === "y") {
          this.offset = end;
          return this.buf.slice(end - n, end);
        }
        const items: unknown[] = [];
        while (this.offset < end) items.push(this.value(element));
        return items;
      }
      case "(":
      case "{":
        this.align(8);
        return splitSignature(type.slice(1, -1)).map((t) => this.value(t));
      default:
        throw new Error(`credkit cannot read D-Bus type ${type}`);
    }
  }
}

/**
 * Unmarshals a body of signature `sig` (little-endian unless `le` is false).
 *
 * @example
 * ```ts
 * unmarshal("s", marshal("s", ["hi"])); // ["hi"]
 * ```
 */
export function unmarshal(sig: string, body: Uint8Array, le = true): unknown[] {
  const r = new Reader(body, 0, le);
  return splitSignature(sig).map((t) => r.value(t));
}

/** Header field codes. */
const PATH = 1, INTERFACE = 2, MEMBER = 3, ERROR_NAME = 4, REPLY_SERIAL = 5, DESTINATION = 6;
const SIGNATURE = 8;

/** What {@link encodeMethodCall} sends. */
export interface MethodCall {
  /** Bus name of the peer, e.g. `org.freedesktop.secrets`. */
  destination: string;
  /** Object path. */
  path: string;
  /** Interface of the method. */
  iface: string;
  /** Method name. */
  member: string;
  /** Body signature (default none). */
  sig?: string;
  /** Body values, as {@link marshal} takes them. */
  body?: unknown[];
}

/**
 * One METHOD_CALL message, little-endian.
 *
 * @example
 * ```ts
 * encodeMethodCall(1, { destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus",
 *   iface: "org.freedesktop.DBus", member: "Hello" });
 * ```
 */
export function encodeMethodCall(serial: number, call: MethodCall): Uint8Array {
  const body = call.sig ? marshal(call.sig, call.body ?? []) : new Uint8Array(0);
  const fields: unknown[] = [
    [PATH, { sig: "o", value: call.path }],
    [DESTINATION, { sig: "s", value: call.destination }],
    [INTERFACE, { sig: "s", value: call.iface }],
    [MEMBER, { sig: "s", value: call.member }],
  ];
  if (call.sig) fields.push([SIGNATURE, { sig: "g", value: call.sig }]);
  const w = new Writer();
  w.bytes([0x6c, 1, 0, 1]); // little-endian, METHOD_CALL, no flags, version 1
  w.u32(body.length);
  w.u32(serial);
  w.value("a(yv)", fields);
  w.pad(8);
  w.bytes(body);
  return w.buf.slice(0, w.length);
}

/**
 * Splits the complete messages off `buf`; returns them and the rest.
 *
 * @example
 * ```ts
 * const { messages, rest } = decodeMessages(received);
 * ```
 */
export function decodeMessages(buf: Uint8Array): { messages: BusMessage[]; rest: Uint8Array } {
  const messages: BusMessage[] = [];
  while (buf.length >= 16) {
    const le = buf[0] === 0x6c;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const bodyLength = view.getUint32(4, le);
    const fieldsEnd = 16 + view.getUint32(12, le);
    const bodyStart = (fieldsEnd + 7) & ~7;
    const total = bodyStart + bodyLength;
    if (buf.length < total) break;
    const message = buf.subarray(0, total);
    const r = new Reader(message, 12, le);
    const fields = r.value("a(yv)") as [number, Variant][];
    const m: BusMessage = { type: buf[1], serial: view.getUint32(8, le), body: [] };
    let sig = "";
    for (const [code, v] of fields) {
      if (code === REPLY_SERIAL) m.replySerial = v.value as number;
      else if (code === ERROR_NAME) m.errorName = v.value as string;
      else if (code === SIGNATURE) sig = v.value as string;
    }
    if (sig) {
      const body = new Reader(message, bodyStart, le);
      m.body = splitSignature(sig).map((t) => body.value(t));
    }
    messages.push(m);
    buf = buf.subarray(total);
  }
  return { messages, rest: buf };
}
