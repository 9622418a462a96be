import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { maskableSecrets, maskString } from "../../src/mask/policy.ts";
import { StreamMasker } from "../../src/mask/stream_masker.ts";
import { cut } from "../_helpers.ts";

const te = new TextEncoder();
const REPLACEMENT = te.encode("****");

/**
 * The forms of one character, written independently of src/mask/forms.ts:
 * byte strings in which a lowercase hex digit after `\u` or `%` also
 * matches its uppercase form. Longest first.
 */
function charForms(ch: string): { bytes: Uint8Array; hexAt: Set<number> }[] {
  const out: { bytes: Uint8Array; hexAt: Set<number> }[] = [];
  const add = (text: string | Uint8Array, hexAt: number[] = []) =>
    out.push({ bytes: typeof text === "string" ? te.encode(text) : text, hexAt: new Set(hexAt) });
  add(ch);
  let u = "";
  const uHex: number[] = [];
  for (let i = 0; i < ch.length; i++) {
    uHex.push(u.length + 2, u.length + 3, u.length + 4, u.length + 5);
    u += "\\u" + ch.charCodeAt(i).toString(16).padStart(4, "0");
  }
  add(u, uHex);
  const short: Record<string, string> = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
  };
  if (short[ch]) add(short[ch]);
  let pct = "";
  const pctHex: number[] = [];
  for (const b of te.encode(ch)) {
    pctHex.push(pct.length + 1, pct.length + 2);
    pct += "%" + b.toString(16).padStart(2, "0");
  }
  add(pct, pctHex);
  if (ch === " ") add("+");
  if (ch === "\n") {
    add("\r\n");
    add("\\r\\n");
    add("%0d%0a", [1, 2, 4, 5]);
  }
  return out.sort((a, b) => b.bytes.length - a.bytes.length);
}

function formAt(input: Uint8Array, i: number, f: { bytes: Uint8Array; hexAt: Set<number> }) {
  if (i + f.bytes.length > input.length) return false;
  for (let k = 0; k < f.bytes.length; k++) {
    const b = input[i + k];
    const want = f.bytes[k];
    if (b === want) continue;
    if (f.hexAt.has(k) && want >= 0x61 && want <= 0x66 && b === want - 0x20) continue;
    return false;
  }
  return true;
}

/** Length of the first (depth-first, longest form first) match of `chars` at `i`, or -1. */
function matchAt(input: Uint8Array, i: number, chars: string[], k = 0): number {
  if (k === chars.length) return 0;
  for (const f of charForms(chars[k])) {
    if (!formAt(input, i, f)) continue;
    const rest = matchAt(input, i + f.bytes.length, chars, k + 1);
    if (rest !== -1) return f.bytes.length + rest;
  }
  return -1;
}

/**
 * Independent reference: scan left to right; at each position replace the
 * first secret (longest first) that matches in any form, else copy one byte.
 */
function referenceMask(input: Uint8Array, secrets: string[]): Uint8Array {
  const list = maskableSecrets(secrets).map((s) => [...s]);
  const out: number[] = [];
  let i = 0;
  outer: while (i < input.length) {
    for (const chars of list) {
      const n = matchAt(input, i, chars);
      if (n > 0) {
        out.push(...REPLACEMENT);
        i += n;
        continue outer;
      }
    }
    out.push(input[i++]);
  }
  return Uint8Array.from(out);
}

/** Whether any secret occurs (in any form) anywhere in `bytes`. */
function anyOccurrence(bytes: Uint8Array, secrets: string[]): boolean {
  const list = maskableSecrets(secrets).map((s) => [...s]);
  for (let i = 0; i < bytes.length; i++) {
    for (const chars of list) if (matchAt(bytes, i, chars) > 0) return true;
  }
  return false;
}

/** Pushes the parts (with `push`, or `pushv` when `vectored`), checking the hold-back bound. */
function streamed(
  secrets: string[],
  parts: Uint8Array[],
  vectored = false,
  byteSearch = false,
): Uint8Array {
  const m = new StreamMasker(secrets, "****", { byteSearch });
  const longest = m.maxLength;
  const outs: Uint8Array[] = [];
  const seen: Uint8Array[] = [];
  for (const part of parts) {
    if (vectored) outs.push(...m.pushv(part));
    else outs.push(m.push(part));
    seen.push(part);
    const held = m.pendingLength;
    assert.ok(held <= Math.max(0, longest - 1), `held ${held} bytes, longest pattern ${longest}`);
    if (held > 0) {
      // What is held back is the input's tail, and it can start a pattern.
      const all = Buffer.concat(seen);
      const tail = all.subarray(all.length - held);
      assert.ok(couldContinue(tail, secrets), "held bytes that cannot start a secret");
    }
  }
  outs.push(m.flush());
  return Buffer.concat(outs);
}

/** Whether `tail` is the beginning of some form of some secret (and not all of it). */
function couldContinue(tail: Uint8Array, secrets: string[]): boolean {
  return anyPrefix(tail, secrets);
}

function anyPrefix(tail: Uint8Array, secrets: string[]): boolean {
  const list = maskableSecrets(secrets).map((s) => [...s]);
  const prefix = (i: number, k: number, chars: string[]): boolean => {
    if (i === tail.length) return k < chars.length;
    if (k === chars.length) return false;
    for (const f of charForms(chars[k])) {
      let j = 0;
      while (
        j < f.bytes.length && i + j < tail.length &&
        formAt(tail.subarray(i + j, i + j + 1), 0, {
          bytes: f.bytes.subarray(j, j + 1),
          hexAt: f.hexAt.has(j) ? new Set([0]) : new Set(),
        })
      ) j++;
      if (i + j === tail.length && j < f.bytes.length) return true;
      if (j === f.bytes.length && prefix(i + j, k + 1, chars)) return true;
    }
    return false;
  };
  return list.some((chars) => prefix(0, 0, chars));
}

function oneShot(secrets: string[], input: Uint8Array): Uint8Array {
  const m = new StreamMasker(secrets);
  return Buffer.concat([m.push(input), m.flush()]);
}

// Small alphabets so that secrets overlap each other and their surroundings.
const secretChar = fc.constantFrom(
  "a",
  "b",
  "c",
  '"',
  "\\",
  "\n",
  "é",
  "😀",
  "\u0001",
  "/",
  "x",
  " ",
  "+",
  "%",
  "\r",
);
const secretArb = fc.string({ unit: secretChar, minLength: 3, maxLength: 10 });
const noiseByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(...te.encode('abcx"\\/\nu0e9%+ \rABC'), 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80),
);
const noiseArb = fc.array(noiseByte, { maxLength: 24 }).map((a) => Uint8Array.from(a));

/** Secrets, some of them prefixes of others (the hard case for leftmost-longest across chunks). */
const secretsArb = fc.tuple(
  fc.array(secretArb, { minLength: 1, maxLength: 3 }),
  fc.array(fc.nat(), { maxLength: 2 }),
).map(([secrets, prefixes]) => [
  ...secrets,
  ...prefixes.map((k) => {
    const chars = [...secrets[k % secrets.length]];
    return chars.slice(0, Math.max(3, chars.length - 1 - (k >> 3) % 4)).join("");
  }),
]);

/** Forms of a secret as programs print them. */
function forms(secret: string): Uint8Array[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const ascii = escaped.replace(
    /[\u0080-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
  const allUpper = [...secret].map((c) =>
    [...c].map((u) => "\\u" + u.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()).join("")
  ).join("");
  let uri: string;
  try {
    uri = encodeURIComponent(secret);
  } catch {
    uri = secret; // a lone surrogate
  }
  const lowerPct = [...te.encode(secret)].map((b) => "%" + b.toString(16).padStart(2, "0")).join(
    "",
  );
  const form = uri.replaceAll("%20", "+");
  const crlf = secret.replaceAll("\n", "\r\n");
  const slashes = escaped.replaceAll("/", "\\/");
  return [secret, escaped, ascii, allUpper, uri, lowerPct, form, crlf, slashes].map((f) =>
    te.encode(f)
  );
}

/** Output made of noise, secrets in their forms, and beginnings of secrets. */
const scenario = secretsArb.chain((secrets) =>
  fc.record({
    secrets: fc.constant(secrets),
    segments: fc.array(
      fc.oneof(
        noiseArb,
        fc.record({ k: fc.nat(secrets.length - 1), form: fc.nat(8) })
          .map(({ k, form }) => forms(secrets[k])[form]),
        fc.record({ k: fc.nat(secrets.length - 1), form: fc.nat(8), cut: fc.nat() })
          .map(({ k, form, cut }) => {
            const bytes = forms(secrets[k])[form];
            return bytes.subarray(0, 1 + cut % (bytes.length - 1));
          }),
      ),
      { maxLength: 12 },
    ),
    cuts: fc.oneof(fc.array(fc.nat(), { maxLength: 3 }), fc.array(fc.nat(), { maxLength: 30 })),
  })
);

Deno.test("property: chunked masking equals one-shot masking and the reference, with no secret left", () => {
  fc.assert(
    fc.property(scenario, ({ secrets, segments, cuts }) => {
      const input = Buffer.concat(segments);
      const expected = referenceMask(input, secrets);
      const whole = oneShot(secrets, input);
      assert.deepEqual(whole, Buffer.from(expected));
      assert.deepEqual(streamed(secrets, cut(input, cuts)), whole);
      assert.deepEqual(streamed(secrets, cut(input, cuts), true), whole);
      // The same through the byte search (Buffer#indexOf) the compiled binary uses.
      assert.deepEqual(streamed(secrets, cut(input, cuts), true, true), whole);
      assert.ok(!anyOccurrence(whole, secrets), "a secret survived masking");
    }),
    { numRuns: 1500 },
  );
});

Deno.test("property: every split into two chunks gives the one-shot result", () => {
  fc.assert(
    fc.property(scenario, ({ secrets, segments }) => {
      const input = Buffer.concat(segments);
      const whole = oneShot(secrets, input);
      for (let k = 0; k <= input.length; k++) {
        const parts = [input.subarray(0, k), input.subarray(k)];
        assert.deepEqual(streamed(secrets, parts), whole);
        assert.deepEqual(streamed(secrets, parts, true), whole);
        assert.deepEqual(streamed(secrets, parts, false, true), whole);
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: 1-byte chunks give the same result as one chunk", () => {
  fc.assert(
    fc.property(scenario, ({ secrets, segments }) => {
      const input = Buffer.concat(segments);
      const parts = [...input].map((b) => Uint8Array.of(b));
      assert.deepEqual(streamed(secrets, parts), oneShot(secrets, input));
      assert.deepEqual(streamed(secrets, parts, true), oneShot(secrets, input));
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: output without secrets passes byte for byte", () => {
  fc.assert(
    fc.property(
      fc.array(secretArb, { minLength: 1, maxLength: 4 }),
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (secrets, input, cuts) => {
        fc.pre(!anyOccurrence(input, secrets));
        assert.deepEqual(streamed(secrets, cut(input, cuts)), Buffer.from(input));
        assert.deepEqual(streamed(secrets, cut(input, cuts), true), Buffer.from(input));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("property: maskString agrees with byte masking on well-formed text", () => {
  const textChar = fc.oneof(secretChar, fc.constantFrom(" ", "ä", "{", "}"));
  fc.assert(
    fc.property(
      fc.array(secretArb, { minLength: 1, maxLength: 3 }),
      fc.array(fc.oneof(fc.string({ unit: textChar, maxLength: 8 }), fc.nat(2)), { maxLength: 10 }),
      (secrets, pieces) => {
        const text = pieces.map((p) => typeof p === "number" ? secrets[p % secrets.length] : p)
          .join("");
        const bytes = new TextDecoder().decode(oneShot(secrets, te.encode(text)));
        assert.equal(maskString(text, secrets), bytes);
      },
    ),
    { numRuns: 500 },
  );
});
