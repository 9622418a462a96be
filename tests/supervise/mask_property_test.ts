import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { maskPatterns, maskString, StreamMasker } from "../../src/supervise/mask.ts";
import { cut } from "../_helpers.ts";

const te = new TextEncoder();
const REPLACEMENT = te.encode("****");

/**
 * Independent reference: scan left to right; at each position replace the
 * longest pattern that starts there, else copy one byte.
 */
function referenceMask(input: Uint8Array, patterns: Uint8Array[]): Uint8Array {
  const longestFirst = [...patterns].sort((a, b) => b.length - a.length);
  const out: number[] = [];
  let i = 0;
  outer: while (i < input.length) {
    for (const p of longestFirst) {
      if (p.length <= input.length - i && p.every((b, k) => input[i + k] === b)) {
        out.push(...REPLACEMENT);
        i += p.length;
        continue outer;
      }
    }
    out.push(input[i++]);
  }
  return Uint8Array.from(out);
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).indexOf(Buffer.from(needle)) !== -1;
}

/** Pushes the parts (with `push`, or `pushv` when `vectored`), checking the hold-back bound. */
function streamed(secrets: string[], parts: Uint8Array[], vectored = false): Uint8Array {
  const m = new StreamMasker(secrets);
  const longest = Math.max(0, ...m.patterns.map((p) => p.length));
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
      assert.ok(
        m.patterns.some((p) => p.length > held && Buffer.from(p.subarray(0, held)).equals(tail)),
        "held bytes that cannot start a secret",
      );
    }
  }
  outs.push(m.flush());
  return Buffer.concat(outs);
}

function oneShot(secrets: string[], input: Uint8Array): Uint8Array {
  const m = new StreamMasker(secrets);
  return Buffer.concat([m.push(input), m.flush()]);
}

// Small alphabets so that secrets overlap each other and their surroundings.
const secretChar = fc.constantFrom("a", "b", "c", '"', "\\", "\n", "é", "😀", "\u0001", "/", "x");
const secretArb = fc.string({ unit: secretChar, minLength: 3, maxLength: 10 });
const noiseByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(...te.encode('abcx"\\/\nu0e9'), 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80),
);
const noiseArb = fc.array(noiseByte, { maxLength: 24 }).map((a) => Uint8Array.from(a));

/** Output made of noise and secrets in raw, JSON-escaped and \u-escaped form. */
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

/** The three forms of a secret as bytes: raw, JSON-escaped, JSON-escaped with \uXXXX. */
function forms(secret: string): Uint8Array[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const ascii = escaped.replace(
    /[\u0080-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
  return [secret, escaped, ascii].map((f) => te.encode(f));
}

/** Output made of noise, secrets in their three forms, and beginnings of secrets. */
const scenario = secretsArb.chain((secrets) =>
  fc.record({
    secrets: fc.constant(secrets),
    segments: fc.array(
      fc.oneof(
        noiseArb,
        fc.record({ k: fc.nat(secrets.length - 1), form: fc.nat(2) })
          .map(({ k, form }) => forms(secrets[k])[form]),
        fc.record({ k: fc.nat(secrets.length - 1), form: fc.nat(2), cut: fc.nat() })
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
      const patterns = maskPatterns(secrets);
      const expected = referenceMask(input, patterns);
      const whole = oneShot(secrets, input);
      assert.deepEqual(whole, Buffer.from(expected));
      assert.deepEqual(streamed(secrets, cut(input, cuts)), whole);
      assert.deepEqual(streamed(secrets, cut(input, cuts), true), whole);
      for (const p of patterns) assert.ok(!contains(whole, p), "a secret pattern survived masking");
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
        const patterns = maskPatterns(secrets);
        fc.pre(!patterns.some((p) => contains(input, p)));
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
