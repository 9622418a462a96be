import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { formatGithubEnv } from "../../src/format/github.ts";
import { parseGithubEnvFile } from "./_support.ts";

function fixedDelimiters(...delimiters: string[]): () => string {
  return () => {
    const next = delimiters.shift();
    if (next === undefined) throw new Error("no more delimiters");
    return next;
  };
}

Deno.test("formatGithubEnv: heredoc per variable, masks for secrets only", () => {
  const out = formatGithubEnv(
    [
      { name: "HF_TOKEN", value: "hf_abc", secret: true },
      { name: "AWS_REGION", value: "us-east-1" },
    ],
    { delimiter: fixedDelimiters("D1", "D2") },
  );
  assert.equal(out.env, "HF_TOKEN<<D1\nhf_abc\nD1\nAWS_REGION<<D2\nus-east-1\nD2\n");
  assert.equal(out.masks, "::add-mask::hf_abc\n");
});

Deno.test("formatGithubEnv: default delimiters are random and absent from values", () => {
  const value = "a\nEOF\nb";
  const a = formatGithubEnv([{ name: "V", value }]);
  const b = formatGithubEnv([{ name: "V", value }]);
  assert.match(a.env, /^V<<ghadelimiter_[0-9a-f-]{36}\na\nEOF\nb\nghadelimiter_[0-9a-f-]{36}\n$/);
  assert.notEqual(a.env, b.env);
  assert.deepEqual(parseGithubEnvFile(a.env), { V: value });
});

Deno.test("formatGithubEnv: a delimiter found in the value or name is never used", () => {
  const out = formatGithubEnv(
    [{ name: "TOKEN_X", value: "abc\nEOF\n" }],
    { delimiter: fixedDelimiters("EOF", "TOKEN", "bad delimiter", "", "D9") },
  );
  assert.equal(out.env, "TOKEN_X<<D9\nabc\nEOF\n\nD9\n");
  assert.deepEqual(parseGithubEnvFile(out.env), { TOKEN_X: "abc\nEOF\n" });
});

Deno.test("formatGithubEnv: gives up with an error naming only the variable", () => {
  assert.throws(
    () => formatGithubEnv([{ name: "S", value: "secret" }], { delimiter: () => "secret" }),
    (err: unknown) => {
      assert.ok(err instanceof CredkitError);
      assert.match(err.message, /^Cannot export S as github: no heredoc delimiter/);
      assert.ok(!err.message.includes("secret"));
      return true;
    },
  );
});

Deno.test("formatGithubEnv: empty, newline-only and tricky values read back exactly", () => {
  const values = ["", "\n", "\n\n", "a=b", "x<<y", "\r\n", " spaced ", "ends\n", "é😀"];
  const vars = values.map((value, i) => ({ name: `V${i}`, value }));
  const { env } = formatGithubEnv(vars);
  assert.deepEqual(parseGithubEnvFile(env), Object.fromEntries(vars.map((v) => [v.name, v.value])));
});

Deno.test("formatGithubEnv: multi-line secrets are masked line by line, escaped", () => {
  const { masks } = formatGithubEnv([
    {
      name: "KEY",
      value: "-----BEGIN-----\r\nabc%0Adef\n\n   \n  indented  \n-----END-----\n",
      secret: true,
    },
    { name: "DUP", value: "abc%0Adef", secret: true },
    { name: "EMPTY", value: "", secret: true },
    { name: "PUBLIC", value: "not a secret", secret: false },
  ]);
  assert.equal(
    masks,
    [
      "::add-mask::-----BEGIN-----",
      "::add-mask::abc%250Adef",
      "::add-mask::indented",
      "::add-mask::-----END-----",
      "",
    ].join("\n"),
  );
});

Deno.test("formatGithubEnv: refuses bad names and NUL", () => {
  assert.throws(() => formatGithubEnv([{ name: "A<<B", value: "x" }]), /not a valid variable name/);
  assert.throws(() => formatGithubEnv([{ name: "A=B", value: "x" }]), /not a valid variable name/);
  assert.throws(() => formatGithubEnv([{ name: "N", value: "\0" }]), /NUL byte/);
});

Deno.test("formatGithubEnv: a name listed twice with one value is written once", () => {
  const { env, masks } = formatGithubEnv(
    [
      { name: "T", value: "tok" },
      { name: "U", value: "u" },
      { name: "T", value: "tok", secret: true },
    ],
    { delimiter: fixedDelimiters("D1", "D2") },
  );
  assert.equal(env, "T<<D1\ntok\nD1\nU<<D2\nu\nD2\n");
  assert.equal(masks, "::add-mask::tok\n");
});
