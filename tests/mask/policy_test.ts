import assert from "node:assert/strict";
import {
  maskableSecrets,
  maskMessage,
  maskString,
  MIN_SECRET_LENGTH,
  stringMasker,
} from "../../src/mask/policy.ts";
import { StreamMasker } from "../../src/mask/stream_masker.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Masks `text` both as a string and as a byte stream; both must agree. */
function both(text: string, secrets: string[]): string {
  const asString = maskString(text, secrets);
  const m = new StreamMasker(secrets);
  const asBytes = td.decode(m.push(te.encode(text))) + td.decode(m.flush());
  assert.equal(asBytes, asString, "string and byte masking differ");
  return asString;
}

const SECRET = "key/Pl+us=S3cr3t";

Deno.test("policy: one minimum length, in code points", () => {
  assert.equal(MIN_SECRET_LENGTH, 3);
  assert.deepEqual(maskableSecrets(["", "ab", "😀😀", null, undefined, "abc"]), ["abc"]);
  assert.equal(both("ab abc", ["ab", "abc"]), "ab ****");
});

Deno.test("policy: each line of a multi-line secret is masked on its own", () => {
  const pem = "-----BEGIN KEY-----\r\nMIIBVwIBADANBgkqhkiG9w0BAQ\r\n  ab  \r\n-----END KEY-----";
  assert.deepEqual(maskableSecrets([pem]), [
    pem,
    "MIIBVwIBADANBgkqhkiG9w0BAQ",
    "-----BEGIN KEY-----",
    "-----END KEY-----",
  ]);
  assert.equal(both("body: MIIBVwIBADANBgkqhkiG9w0BAQ.", [pem]), "body: ****.");
});

Deno.test("policy: percent-encoded forms (encodeURIComponent, lower-case hex, + for space)", () => {
  assert.equal(both(`?api_key=${encodeURIComponent(SECRET)}&x=1`, [SECRET]), "?api_key=****&x=1");
  assert.equal(both("?api_key=key%2fPl%2bus%3dS3cr3t", [SECRET]), "?api_key=****");
  // Over-encoded plain chars, and a mix of raw and encoded.
  assert.equal(both("k%65y/Pl%2Bus=S3cr3t", [SECRET]), "****");
  const spaced = "pass phrase é";
  assert.equal(both("p=pass+phrase+%C3%A9", [spaced]), "p=****");
  assert.equal(both("p=pass%20phrase%20%c3%a9", [spaced]), "p=****");
});

Deno.test("policy: JSON \\u escapes of any char, either hex case, and \\/", () => {
  const dotnet = JSON.stringify(SECRET).slice(1, -1).replace("+", "\\u002B");
  assert.equal(both(`{"k":"${dotnet}"}`, [SECRET]), '{"k":"****"}');
  assert.equal(both('{"k":"key\\/Pl\\u002bus\\u003DS3cr3t"}', [SECRET]), '{"k":"****"}');
  const all = [...SECRET].map((c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))
    .join("");
  assert.equal(both(all, [SECRET]), "****");
  assert.equal(both(all.toUpperCase().replaceAll("\\U", "\\u"), [SECRET]), "****");
  // Java writes non-ASCII as \u00E9; astral chars as a surrogate pair.
  assert.equal(both("x caf\\u00E9-token y", ["café-token"]), "x **** y");
  assert.equal(both("x \\uD83D\\uDE00-token", ["😀-token"]), "x ****");
  assert.equal(both('x pa\\"ss\\\\word', ['pa"ss\\word']), "x ****");
});

Deno.test("policy: a multi-line secret printed with CRLF line ends", () => {
  const secret = "line-one\nline-two";
  assert.equal(both("a line-one\r\nline-two b", [secret]), "a **** b");
  assert.equal(both('"line-one\\r\\nline-two"', [secret]), '"****"');
  assert.equal(both("line-one%0D%0Aline-two", [secret]), "****");
});

Deno.test("policy: forms that are not masked (base64, hex, double encoding)", () => {
  const b64 = btoa(SECRET);
  assert.equal(maskString(b64, [SECRET]), b64);
  const twice = encodeURIComponent(encodeURIComponent(SECRET));
  assert.equal(maskString(twice, [SECRET]), twice);
});

Deno.test("stringMasker: leftmost first, longest secret at a position", () => {
  const mask = stringMasker(["abcdef", "abc", "cdefgh"]);
  assert.equal(mask("abcdefgh"), "****gh");
  assert.equal(mask("xabcx"), "x****x");
});

Deno.test("maskMessage: masks first, then folds to one line and caps the length", () => {
  const secret = "line-one\nline-two";
  assert.equal(maskMessage("bad\n  token line-one\nline-two", [secret]), "bad token ****");
  assert.equal(maskMessage("x".repeat(300), [], 10), "xxxxxxxxx…");
  // A secret cut by the cap is never partly shown: masking comes first.
  assert.equal(maskMessage(`${"y".repeat(5)}${SECRET}`, [SECRET], 8), "yyyyy**…");
});
