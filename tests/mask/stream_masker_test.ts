import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { Readable } from "node:stream";
import {
  createMaskTransform,
  maskString,
  MIN_SECRET_LENGTH,
  StreamMasker,
  stringMasker,
} from "../../src/mask/stream_masker.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Pushes `parts` one by one and returns every output and the flushed tail. */
function run(masker: StreamMasker, parts: (string | Uint8Array)[]): string[] {
  const outs = parts.map((p) => td.decode(masker.push(typeof p === "string" ? te.encode(p) : p)));
  outs.push(td.decode(masker.flush()));
  return outs;
}

function maskAll(text: string, secrets: string[]): string {
  return run(new StreamMasker(secrets), [text]).join("");
}

Deno.test("StreamMasker: values under MIN_SECRET_LENGTH characters are not masked", () => {
  assert.equal(MIN_SECRET_LENGTH, 3);
  assert.equal(new StreamMasker(["", "a", "ab", "😀😀"]).maxLength, 0);
  assert.equal(maskAll("ab abc", ["ab", "abc"]), "ab ****");
});

Deno.test("StreamMasker: secret split across two chunks", () => {
  const m = new StreamMasker(["hunter22"]);
  assert.deepEqual(run(m, ["password: hunt", "er22 ok\n"]), ["password: ", "**** ok\n", ""]);
});

Deno.test("StreamMasker: secret split across many 1-byte chunks", () => {
  const secret = "ghp_0123456789abcdef";
  const text = `a${secret}b${secret}${secret}c`;
  const parts = [...te.encode(text)].map((b) => Uint8Array.of(b));
  assert.equal(run(new StreamMasker([secret]), parts).join(""), "a****b********c");
});

Deno.test("StreamMasker: JSON-escaped secrets with quotes, backslashes, newlines and unicode", () => {
  const secrets = ['a"b\\c', "line1\nline2", "ключ-€-😀", "tab\there"];
  for (const secret of secrets) {
    const json = JSON.stringify({ token: secret, list: [secret] });
    assert.equal(maskAll(json, [secret]), '{"token":"****","list":["****"]}');
    // Python's json.dumps escapes non-ASCII as \uXXXX by default.
    const ascii = json.replace(
      /[\u0080-\uffff]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
    );
    assert.equal(maskAll(ascii, [secret]), '{"token":"****","list":["****"]}');
    assert.equal(maskAll(`raw ${secret} end`, [secret]), "raw **** end");
  }
});

Deno.test("StreamMasker: binary data and invalid UTF-8 pass through unchanged", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const invalid = Uint8Array.of(0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xff, 0xfe, 0x00);
  const m = new StreamMasker(["hunter22", "é-secret"]);
  const input = Buffer.concat([all, invalid, all]);
  const out = Buffer.concat([
    m.push(input.subarray(0, 300)),
    m.push(input.subarray(300)),
    m.flush(),
  ]);
  assert.ok(out.equals(input));
});

Deno.test("StreamMasker: secrets inside binary data are masked, other bytes kept", () => {
  const m = new StreamMasker(["hunter22"]);
  const input = Buffer.concat([
    Uint8Array.of(0xff, 0x00, 0x80),
    te.encode("hunter22"),
    Uint8Array.of(0xc3),
  ]);
  const out = Buffer.concat([m.push(input.subarray(0, 5)), m.push(input.subarray(5)), m.flush()]);
  assert.ok(
    out.equals(
      Buffer.concat([Uint8Array.of(0xff, 0x00, 0x80), te.encode("****"), Uint8Array.of(0xc3)]),
    ),
  );
});

Deno.test("StreamMasker: adjacent secrets", () => {
  assert.equal(maskAll("AAAA1BBBB2AAAA1", ["AAAA1", "BBBB2"]), "************");
  assert.equal(maskAll("xAAAA1AAAA1x", ["AAAA1"]), "x********x");
});

Deno.test("StreamMasker: overlapping secrets are replaced leftmost-longest", () => {
  // Leftmost wins over longer-but-later.
  assert.equal(maskAll("abcdefgh", ["abcdef", "cdefgh"]), "****gh");
  // At the same position the longest wins.
  assert.equal(maskAll("abcdefg", ["abc", "abcdef"]), "****g");
  assert.equal(maskAll("abcdefg", ["abcdef", "abc"]), "****g");
  // A secret inside a longer one.
  assert.equal(maskAll("xx-abcdef-xx", ["cde", "abcdef"]), "xx-****-xx");
});

Deno.test("StreamMasker: a short match is not committed while a longer one may still complete", () => {
  const m = new StreamMasker(["abcdef", "cd!"]);
  assert.deepEqual(run(m, ["abcd!", "ef"]), ["ab****", "ef", ""]);
  const m2 = new StreamMasker(["abcdef", "bcd"]);
  assert.deepEqual(run(m2, ["abcd", "ef"]), ["", "****", ""]);
  const m3 = new StreamMasker(["abcdef", "bcd"]);
  assert.deepEqual(run(m3, ["abcd", "eX"]), ["", "a****eX", ""]);
});

Deno.test("StreamMasker: emits everything at once when the tail cannot start a secret", () => {
  const m = new StreamMasker(["hunter22"]);
  assert.equal(td.decode(m.push(te.encode("Password> "))), "Password> ");
  assert.equal(m.pendingLength, 0);
  assert.equal(td.decode(m.push(te.encode("typed: hu"))), "typed: ");
  assert.equal(m.pendingLength, 2);
  assert.equal(td.decode(m.push(te.encode("h?"))), "huh?");
  assert.equal(m.pendingLength, 0);
});

Deno.test("StreamMasker: holds back fewer bytes than the longest pattern", () => {
  const secret = "aaaaaaaaab";
  const m = new StreamMasker([secret]);
  for (let i = 0; i < 50; i++) {
    m.push(te.encode("a"));
    assert.ok(m.pendingLength <= secret.length - 1);
  }
  assert.equal(td.decode(m.push(te.encode("b"))), "****");
});

Deno.test("StreamMasker: flush emits a held partial secret unmasked and resets", () => {
  const m = new StreamMasker(["hunter22"]);
  assert.deepEqual(run(m, ["end hunte"]), ["end ", "hunte"]);
  assert.deepEqual(run(m, ["hunter22"]), ["****", ""]);
});

Deno.test("StreamMasker: no patterns returns the same chunk (zero-copy)", () => {
  const m = new StreamMasker(["", "ab"]);
  const chunk = te.encode("anything at all");
  assert.equal(m.push(chunk), chunk);
  assert.equal(m.flush().length, 0);
});

Deno.test("StreamMasker: held bytes survive reuse of the caller's buffer", () => {
  const m = new StreamMasker(["hunter22"]);
  const buf = te.encode("x hunt");
  const first = td.decode(m.push(buf));
  buf.fill(0x3f);
  assert.equal(first + td.decode(m.push(te.encode("er22"))) + td.decode(m.flush()), "x ****");
});

Deno.test("StreamMasker.pushv: pieces share the chunk's memory and equal push's output", () => {
  const secret = "s3cr3t-value";
  const m = new StreamMasker([secret]);
  const chunk = te.encode(`a ${secret} b ${secret} c s3c`);
  const pieces = m.pushv(chunk);
  assert.equal(td.decode(Buffer.concat(pieces)), "a **** b **** c ");
  assert.ok(pieces.some((p) => p.buffer === chunk.buffer));
  // Held bytes, then a long chunk: the secret across the seam is masked.
  const next = te.encode("r3t-value" + " tail".repeat(10));
  assert.equal(td.decode(Buffer.concat(m.pushv(next))), "****" + " tail".repeat(10));
  assert.equal(m.flush().length, 0);
  const none = new StreamMasker([]);
  assert.deepEqual(none.pushv(chunk), [chunk]);
  assert.deepEqual(none.pushv(new Uint8Array(0)), []);
});

Deno.test("StreamMasker: held bytes that turn out not to start a secret are emitted before the chunk", () => {
  const m = new StreamMasker(["hunter22", "xhunter"]);
  assert.equal(td.decode(m.push(te.encode("abc hun"))), "abc ");
  const long = "g" + ".".repeat(100);
  assert.equal(td.decode(m.push(te.encode(long))), "hun" + long);
  assert.equal(td.decode(m.push(te.encode("x"))), "");
  assert.equal(
    td.decode(m.push(te.encode("hunter22" + ".".repeat(20)))),
    "****22" + ".".repeat(20),
  );
});

Deno.test("StreamMasker: after held bytes, the longest secret at the chunk start wins", () => {
  const m = new StreamMasker(["abcdefgh", "abc", "zzq"]);
  assert.equal(td.decode(m.push(te.encode("1 zz"))), "1 ");
  assert.equal(td.decode(m.push(te.encode("abcdefgh and more text"))), "zz**** and more text");
});

Deno.test("StreamMasker: custom replacement", () => {
  assert.equal(
    run(new StreamMasker(["hunter22"], "[redacted]"), ["a hunter22 b"]).join(""),
    "a [redacted] b",
  );
});

Deno.test("StreamMasker: maxLength is the longest form (every char as \\uXXXX)", () => {
  assert.equal(new StreamMasker(["abc"]).maxLength, 18);
  assert.equal(new StreamMasker(["a😀b"]).maxLength, 6 + 12 + 6);
});

Deno.test("maskString: raw and escaped forms in a string", () => {
  const secret = 'p@ss"w\\rd';
  const body = `{"error":"bad token ${JSON.stringify(secret).slice(1, -1)}"} raw=${secret}`;
  assert.equal(maskString(body, [secret]), '{"error":"bad token ****"} raw=****');
  assert.equal(maskString("nothing here", [secret]), "nothing here");
  assert.equal(maskString("nothing here", []), "nothing here");
  // The cache must follow the secrets.
  assert.equal(maskString("one two", ["one"]), "**** two");
  assert.equal(maskString("one two", ["two"]), "one ****");
});

Deno.test("stringMasker: compiled once, replacement with $ is literal", () => {
  const mask = stringMasker(["s3cr3t!"], "$&$1");
  assert.equal(mask("a s3cr3t! b"), "a $&$1 b");
});

Deno.test("createMaskTransform: masks a node stream split mid-secret", async () => {
  const chunks = ["token=abc", "123xyz and abc", "123xyz\n"].map((s) => Buffer.from(s));
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks).pipe(createMaskTransform(["abc123xyz"]))) {
    out.push(c as Buffer);
  }
  assert.equal(Buffer.concat(out).toString(), "token=**** and ****\n");
});

Deno.test("createMaskTransform: flushes a trailing partial secret", async () => {
  const out: Buffer[] = [];
  const t = createMaskTransform(["abc123xyz"]);
  t.on("data", (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => t.on("end", resolve));
  t.write("end abc1");
  t.end();
  await done;
  assert.equal(Buffer.concat(out).toString(), "end abc1");
});
