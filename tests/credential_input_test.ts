import assert from "node:assert/strict";
import { BUILTIN_SERVICES } from "../src/catalog.ts";
import {
  fieldsFromEnv,
  parseStdinFields,
  promptFields,
  validateFields,
} from "../src/credential_input.ts";
import { CredkitError } from "../src/errors.ts";

const isUsage = (err: unknown) => err instanceof CredkitError && err.exitCode === 2;

Deno.test("parseStdinFields: field=value lines, CRLF and a trailing newline", () => {
  assert.deepEqual(
    parseStdinFields(BUILTIN_SERVICES.aws, "access_key_id=AKIA1\r\nregion=eu-west-1\r\n\n"),
    { access_key_id: "AKIA1", region: "eu-west-1" },
  );
  // The value keeps everything after the first "=".
  assert.deepEqual(parseStdinFields(BUILTIN_SERVICES.aws, "secret_access_key=a=b==\n"), {
    secret_access_key: "a=b==",
  });
});

Deno.test("parseStdinFields: a bare value goes to the only secret field", () => {
  const value = `w3-fake-${crypto.randomUUID()}`;
  assert.deepEqual(parseStdinFields(BUILTIN_SERVICES.storacha, `${value}\n`), { token: value });
  // Not every line is name=value: the whole input (minus one newline) is the value.
  assert.deepEqual(parseStdinFields(BUILTIN_SERVICES.github, "line one\ntoken=x\n"), {
    token: "line one\ntoken=x",
  });
});

Deno.test("parseStdinFields: an unknown field is refused without echoing its value", () => {
  const value = `v-${crypto.randomUUID()}`;
  assert.throws(
    () => parseStdinFields(BUILTIN_SERVICES.github, `constructor=${value}\n`),
    (err) => {
      assert.ok(isUsage(err));
      assert.match((err as Error).message, /Unknown field "constructor" for github/);
      assert.ok(!(err as Error).message.includes(value));
      return true;
    },
  );
});

Deno.test("parseStdinFields: a bare value for a service with two secrets is refused", () => {
  assert.throws(() => parseStdinFields(BUILTIN_SERVICES.aws, "just-a-value\n"), isUsage);
});

Deno.test("fieldsFromEnv: first variable set wins, empty ones are ignored", () => {
  assert.deepEqual(
    fieldsFromEnv(BUILTIN_SERVICES.huggingface, { HUGGINGFACE_TOKEN: "", HF_TOKEN: "hf_b" }),
    { token: "hf_b" },
  );
  assert.deepEqual(fieldsFromEnv(BUILTIN_SERVICES.s3, {}), {});
});

Deno.test("promptFields: secrets are asked without echo, empty answers are left out", async () => {
  const asked: [string, boolean | undefined][] = [];
  const answers = ["hf_typed", ""];
  const fields = await promptFields({
    prompt: (q, o) => {
      asked.push([q, o?.hidden]);
      return Promise.resolve(answers.shift() ?? "");
    },
  }, BUILTIN_SERVICES.huggingface);
  assert.deepEqual(fields, { token: "hf_typed" });
  assert.deepEqual(asked.map(([, hidden]) => hidden), [true, false]);
  assert.match(asked[0][0], /^huggingface token \(HUGGINGFACE_TOKEN\)/);
});

Deno.test("validateFields: unknown field, empty value and NUL are usage errors", () => {
  validateFields(BUILTIN_SERVICES.aws, { region: "eu-west-1" });
  assert.throws(() => validateFields(BUILTIN_SERVICES.aws, { nope: "x" }), isUsage);
  assert.throws(() => validateFields(BUILTIN_SERVICES.aws, { region: "" }), (err) => {
    assert.ok(isUsage(err));
    assert.match(String((err as CredkitError).hint ?? err), /credkit rm aws --field region/);
    return true;
  });
  const secret = `s-${crypto.randomUUID()}`;
  assert.throws(() => validateFields(BUILTIN_SERVICES.aws, { secret_access_key: `${secret}\0` }), (
    err,
  ) => {
    assert.ok(isUsage(err));
    assert.ok(!String(err).includes(secret));
    return true;
  });
});
