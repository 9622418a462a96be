import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import { maskString, StreamMasker } from "../../src/mask/stream_masker.ts";
import { McpRelay } from "../../src/mask/mcp_relay.ts";
import { cut } from "../_helpers.ts";

const te = new TextEncoder();
const td = new TextDecoder();

function relayAll(
  secrets: string[],
  parts: (string | Uint8Array)[],
): { outs: string[]; all: string } {
  const r = new McpRelay(secrets);
  const outs = parts.map((p) => td.decode(r.push(typeof p === "string" ? te.encode(p) : p)));
  outs.push(td.decode(r.flush()));
  return { outs, all: outs.join("") };
}

const SECRET = "sk-live-0123456789";

Deno.test("McpRelay: a line is emitted as soon as its newline arrives", () => {
  const r = new McpRelay([SECRET]);
  assert.equal(td.decode(r.push(te.encode('{"id":1}\n{"id"'))), '{"id":1}\n');
  assert.equal(r.pendingLength, 5);
  assert.equal(td.decode(r.push(te.encode(":2}"))), "");
  assert.equal(td.decode(r.push(te.encode("\n"))), '{"id":2}\n');
  assert.equal(r.pendingLength, 0);
  assert.equal(r.flush().length, 0);
});

Deno.test("McpRelay: a line without secrets passes byte for byte (zero-copy)", () => {
  const r = new McpRelay([SECRET]);
  const line = te.encode(
    '{ "jsonrpc": "2.0", "id": 7, "result": {"n": 1.50, "big": 12345678901234567890} }\n',
  );
  assert.equal(r.push(line), line);
});

Deno.test("McpRelay: secret inside nested string values is masked and the line stays valid JSON", () => {
  const msg = {
    jsonrpc: "2.0",
    id: 3,
    result: {
      content: [{ type: "text", text: `token is ${SECRET}, again ${SECRET}!` }],
      meta: { k: [SECRET] },
    },
  };
  const { all } = relayAll([SECRET], [JSON.stringify(msg) + "\n"]);
  assert.ok(all.endsWith("\n"));
  assert.deepEqual(JSON.parse(all), {
    jsonrpc: "2.0",
    id: 3,
    result: {
      content: [{ type: "text", text: "token is ****, again ****!" }],
      meta: { k: ["****"] },
    },
  });
});

Deno.test("McpRelay: only changed strings are re-encoded; numbers and spacing kept", () => {
  const line = `{"id": 12345678901234567890, "x": 1.50, "t": "${SECRET}", "u": "caf\\u00e9"}`;
  const { all } = relayAll([SECRET], [line + "\n"]);
  assert.equal(all, `{"id": 12345678901234567890, "x": 1.50, "t": "****", "u": "caf\\u00e9"}\n`);
});

Deno.test("McpRelay: secret in an object key is masked", () => {
  const { all } = relayAll([SECRET], [JSON.stringify({ [`k-${SECRET}`]: 1 }) + "\n"]);
  assert.deepEqual(JSON.parse(all), { "k-****": 1 });
});

Deno.test("McpRelay: messages split at every point", () => {
  const input = te.encode(
    JSON.stringify({ a: SECRET, b: [1, { c: `x${SECRET}y` }] }) + "\n" +
      JSON.stringify({ ok: true }) + "\n",
  );
  const expected = relayAll([SECRET], [input]).all;
  assert.ok(!expected.includes(SECRET));
  for (let i = 0; i <= input.length; i++) {
    for (const j of [i, i + 1, i + 7, input.length]) {
      if (j < i || j > input.length) continue;
      const parts = [input.subarray(0, i), input.subarray(i, j), input.subarray(j)];
      assert.equal(relayAll([SECRET], parts).all, expected);
    }
  }
  const bytes = [...input].map((b) => Uint8Array.of(b));
  assert.equal(relayAll([SECRET], bytes).all, expected);
});

Deno.test("McpRelay: \\r\\n line ends are kept", () => {
  const { all } = relayAll([SECRET], [`{"a":"${SECRET}"}\r\n{"b":1}\r\n`, `x ${SECRET}\r\n`]);
  assert.equal(all, '{"a":"****"}\r\n{"b":1}\r\nx ****\r\n');
  // A secret that ends with "\r" is masked with it.
  assert.equal(relayAll(["pw-with-cr\r"], ["log pw-with-cr\r\n"]).all, "log ****\n");
});

Deno.test("McpRelay: lines that are not JSON are masked as raw bytes", () => {
  const { all } = relayAll([SECRET], [`debug: using ${SECRET}\n`, `{"broken": "${SECRET}"\n`]);
  assert.equal(all, 'debug: using ****\n{"broken": "****"\n');
});

Deno.test("McpRelay: a trailing partial line is masked at flush", () => {
  const { outs } = relayAll([SECRET], [
    `{"a":1}\n{"partial":"${SECRET.slice(0, 5)}`,
    `${SECRET.slice(5)}`,
  ]);
  assert.deepEqual(outs, ['{"a":1}\n', "", '{"partial":"****']);
});

Deno.test("McpRelay: secrets hidden by JSON escapes are found", () => {
  // \u escapes of plain ASCII chars, as some encoders emit.
  const escaped = [...SECRET].map((c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))
    .join("");
  const { all } = relayAll([SECRET], [`{"t":"${escaped}"}\n`]);
  assert.deepEqual(JSON.parse(all), { t: "****" });
  // A secret with a quote, inside JSON text carried in a JSON string (double-encoded).
  const quoted = 'pa"ss\\word';
  const inner = JSON.stringify({ password: quoted });
  const line = JSON.stringify({
    jsonrpc: "2.0",
    result: { content: [{ type: "text", text: inner }] },
  });
  const masked = JSON.parse(relayAll([quoted], [line + "\n"]).all);
  assert.equal(masked.result.content[0].text, '{"password":"****"}');
  // Uppercase hex in \u escapes.
  const upper = JSON.stringify({ t: "naïve-secret" }).replace("ï", "\\u00EF");
  assert.deepEqual(JSON.parse(relayAll(["naïve-secret"], [upper + "\n"]).all), { t: "****" });
});

Deno.test("McpRelay: lines with unrelated escapes pass through unchanged", () => {
  const secrets = ['pa"ss\\word-long', "https://user:pw@example.com/x"];
  const line = JSON.stringify({ text: 'say "hi"\n\ttabbed \\ and https://example.com/' }) + "\n";
  const chunk = te.encode(line);
  assert.equal(new McpRelay(secrets).push(chunk), chunk);
  // The same secrets are still found behind escapes.
  const hidden = JSON.stringify({ text: JSON.stringify({ pw: secrets[0] }) }) + "\n";
  assert.deepEqual(JSON.parse(relayAll(secrets, [hidden]).all), { text: '{"pw":"****"}' });
  const slashed = JSON.stringify({ url: secrets[1] }).replaceAll("/", "\\/") + "\n";
  assert.deepEqual(JSON.parse(relayAll(secrets, [slashed]).all), { url: "****" });
});

Deno.test("McpRelay: escape artefacts that only look like a secret keep the JSON valid", () => {
  // "\n" followed by "ab12" is not the secret "nab12", though the bytes n,a,b,1,2 appear.
  const line = JSON.stringify({ t: "x\nab12" });
  const { all } = relayAll(["nab12"], [line + "\n"]);
  assert.equal(all, line + "\n");
});

Deno.test("McpRelay: a secret outside any string is masked and the line stays valid JSON", () => {
  const { all } = relayAll(["987654321"], ['{"id":987654321}\n']);
  assert.ok(!all.includes("987654321"));
  assert.deepEqual(JSON.parse(all), { id: "****" });
  // A number holding the secret, with the rest of the line kept byte for byte.
  const line = '{"jsonrpc": "2.0", "result": {"count": 8675309, "other": 1.50}}';
  assert.equal(
    relayAll(["8675309"], [line + "\n"]).all,
    '{"jsonrpc": "2.0", "result": {"count": "****", "other": 1.50}}\n',
  );
  // Literals and numbers inside arrays, and as the whole message.
  assert.equal(relayAll(["true"], ["[true, false]\n"]).all, '["****", false]\n');
  assert.equal(relayAll(["12345"], ["12345\r\n"]).all, '"****"\r\n');
});

Deno.test("McpRelay: a secret spanning JSON syntax masks the smallest value holding it", () => {
  const { all } = relayAll(["1,2,3"], ['{"a":[1,2,3],"b":"keep"}\n']);
  assert.equal(all, '{"a":"****","b":"keep"}\n');
  const top = relayAll(['x","y'], ['{"k":"x","y":1}\n']).all;
  assert.equal(top, '"****"\n');
  JSON.parse(top);
});

Deno.test("McpRelay: percent-encoded, \\u-escaped and CRLF forms inside JSON strings are masked", () => {
  const secret = "key/Pl+us=S3cr3t";
  const url = `https://api.example.com/x?api_key=${encodeURIComponent(secret)}`;
  const dotnet = JSON.stringify({ s: secret }).replace("+", "\\u002B");
  const lines = [JSON.stringify({ url }), dotnet, JSON.stringify({ s: secret.toLowerCase() })];
  const out = relayAll([secret], [lines.join("\n") + "\n"]).all.split("\n");
  assert.deepEqual(JSON.parse(out[0]), { url: "https://api.example.com/x?api_key=****" });
  assert.deepEqual(JSON.parse(out[1]), { s: "****" });
  assert.equal(out[2], lines[2]); // a different value: untouched
  const pem = "-----BEGIN KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQ\n-----END KEY-----";
  const crlf = JSON.stringify({ text: pem.replaceAll("\n", "\r\n") });
  assert.deepEqual(JSON.parse(relayAll([pem], [crlf + "\n"]).all), { text: "****" });
  const oneLine = JSON.stringify({ text: "line: MIIBVwIBADANBgkqhkiG9w0BAQ" });
  assert.deepEqual(JSON.parse(relayAll([pem], [oneLine + "\n"]).all), { text: "line: ****" });
});

Deno.test("McpRelay: a raw secret spanning lines is masked", () => {
  const pem = "-----BEGIN KEY-----\nMIIBVwIBADANBg\n-----END KEY-----";
  const { all } = relayAll([pem], [`key:\n${pem}\nafter\n`]);
  assert.equal(all, "key:\n****\nafter\n");
});

Deno.test("McpRelay: no secrets passes chunks through unchanged", () => {
  const r = new McpRelay(["", "ab"]);
  const chunk = te.encode('{"partial');
  assert.equal(r.push(chunk), chunk);
  assert.equal(r.flush().length, 0);
});

Deno.test("McpRelay: many lines without secrets in one chunk come back as the same bytes", () => {
  const lines =
    Array.from({ length: 1000 }, (_, i) => JSON.stringify({ id: i, text: `line ${i}\tend` }))
      .join("\n") + "\n";
  const chunk = te.encode(lines);
  assert.equal(new McpRelay([SECRET, 'q"uote']).push(chunk), chunk);
});

// --- property -------------------------------------------------------------

/** Masks every string and key of a parsed JSON value, as a client would expect to see it. */
function maskValue(v: unknown, secrets: string[]): unknown {
  if (typeof v === "string") return maskString(v, secrets);
  if (Array.isArray(v)) return v.map((x) => maskValue(x, secrets));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [maskString(k, secrets), maskValue(x, secrets)]),
    );
  }
  return v;
}

/** Inserts secrets into strings and keys of `v`, driven by `choices`. */
function embed(v: unknown, secrets: string[], choices: number[]): unknown {
  let n = 0;
  const next = () => choices.length === 0 ? 0 : choices[n++ % choices.length];
  const inStr = (s: string) => {
    const c = next();
    if (c % 3 !== 0) return s;
    const at = (c >> 4) % (s.length + 1);
    return s.slice(0, at) + secrets[(c >> 2) % secrets.length] + s.slice(at);
  };
  const walk = (x: unknown): unknown => {
    if (typeof x === "string") return inStr(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === "object") {
      return Object.fromEntries(Object.entries(x).map(([k, y]) => [inStr(k), walk(y)]));
    }
    return x;
  };
  return walk(v);
}

// Secrets start with "K", which no JSON escape or token contains, so any raw
// occurrence in a line is a real one.
const secretArb = fc.string({
  unit: fc.constantFrom("a", "Z", "9", '"', "\\", "\n", "é", "😀", "/", "\u0007", " "),
  minLength: 2,
  maxLength: 12,
}).map((s) => "K" + s);

Deno.test("property: relayed JSON lines stay valid JSON, strings masked, clean lines byte-identical", () => {
  fc.assert(
    fc.property(
      fc.array(secretArb, { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.record({
          value: fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }),
          choices: fc.array(fc.nat(), { maxLength: 8 }),
          crlf: fc.boolean(),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      fc.array(fc.nat(), { maxLength: 20 }),
      (secrets, messages, cuts) => {
        const lines = messages.map(({ value, choices }) =>
          JSON.stringify(embed(value, secrets, choices))
        );
        const ends = messages.map(({ crlf }) => crlf ? "\r\n" : "\n");
        const input = te.encode(lines.map((l, i) => l + ends[i]).join(""));
        const r = new McpRelay(secrets);
        const outs = cut(input, cuts).map((p) => r.push(p));
        outs.push(r.flush());
        const output = Buffer.concat(outs);
        const outLines = td.decode(output).split("\n");
        assert.equal(outLines.pop(), "");
        assert.equal(outLines.length, lines.length);
        for (let i = 0; i < lines.length; i++) {
          const outLine = outLines[i];
          assert.equal(outLine.endsWith("\r"), ends[i] === "\r\n");
          const body = outLine.endsWith("\r") ? outLine.slice(0, -1) : outLine;
          const parsed = JSON.parse(body);
          const original = JSON.parse(lines[i]);
          const expected = maskValue(original, secrets);
          assert.deepEqual(parsed, expected);
          if (JSON.stringify(expected) === JSON.stringify(original)) assert.equal(body, lines[i]);
          assert.equal(maskString(body, secrets), body, "a secret left in a relayed line");
        }
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("property: non-JSON lines are masked as raw bytes and emitted at their newline", () => {
  const lineSecret = fc.string({
    unit: fc.constantFrom("a", "b", '"', "\\", "é", "\r", "{"),
    minLength: 3,
    maxLength: 8,
  });
  const byte = fc.constantFrom(...te.encode('ab"\\{}\r\u00e9'), 0xff, 0x80);
  fc.assert(
    fc.property(
      fc.array(lineSecret, { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.array(fc.oneof(fc.array(byte, { maxLength: 6 }), fc.nat()), { maxLength: 6 }),
        { minLength: 1, maxLength: 5 },
      ),
      fc.array(fc.nat(), { maxLength: 12 }),
      (secrets, lineSpecs, cuts) => {
        // "#" first: no line parses as JSON.
        const lines = lineSpecs.map((pieces) =>
          Buffer.concat([
            te.encode("#"),
            ...pieces.map((p) =>
              typeof p === "number" ? te.encode(secrets[p % secrets.length]) : Uint8Array.from(p)
            ),
          ])
        );
        const input = Buffer.concat(lines.flatMap((l) => [l, te.encode("\n")]));
        const expectedLines = lines.map((l) => {
          const m = new StreamMasker(secrets);
          return Buffer.concat([m.push(l), m.flush()]);
        });
        const r = new McpRelay(secrets);
        const outs: Uint8Array[] = [];
        let fed = 0;
        for (const part of cut(input, cuts)) {
          outs.push(r.push(part));
          fed += part.length;
          // Everything up to the last newline fed so far has been emitted.
          const complete = input.subarray(0, fed).lastIndexOf(0x0a) + 1;
          const linesDone = input.subarray(0, complete).filter((b) => b === 0x0a).length;
          const want = Buffer.concat(
            expectedLines.slice(0, linesDone).flatMap((l) => [l, te.encode("\n")]),
          );
          assert.deepEqual(Buffer.concat(outs), want);
        }
        outs.push(r.flush());
        const expected = Buffer.concat(expectedLines.flatMap((l) => [l, te.encode("\n")]));
        assert.deepEqual(Buffer.concat(outs), expected);
      },
    ),
    { numRuns: 400 },
  );
});
