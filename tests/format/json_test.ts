import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { formatJson } from "../../src/format/json.ts";

Deno.test("formatJson: a pretty object in the given order with a trailing newline", () => {
  const text = formatJson([
    { name: "HF_TOKEN", value: "hf_abc", secret: true },
    { name: "AWS_REGION", value: "us-east-1" },
  ]);
  assert.equal(text, '{\n  "HF_TOKEN": "hf_abc",\n  "AWS_REGION": "us-east-1"\n}\n');
  assert.equal(formatJson([]), "{}\n");
});

Deno.test("formatJson: escapes quotes, control characters and keeps unicode", () => {
  const value = 'q" b\\ n\n r\r t\t u\u0001 é 😀 \u2028';
  const text = formatJson([{ name: "V", value }]);
  assert.deepEqual(JSON.parse(text), { V: value });
  assert.ok(text.includes("é 😀"));
  assert.ok(!text.slice(0, -1).includes("\n\n"));
});

Deno.test("formatJson: __proto__ is written as an ordinary key", () => {
  const text = formatJson([{ name: "__proto__", value: "x" }]);
  assert.equal(text, '{\n  "__proto__": "x"\n}\n');
});

Deno.test("formatJson: refuses NUL and bad names without the value", () => {
  assert.throws(() => formatJson([{ name: "N", value: "secret\0" }]), (err: unknown) => {
    assert.ok(err instanceof CredkitError);
    assert.match(err.message, /^Cannot export N as json: its value contains a NUL byte/);
    assert.ok(!err.message.includes("secret"));
    return true;
  });
  assert.throws(() => formatJson([{ name: "not valid", value: "x" }]), /not a valid variable name/);
});
