import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { EXPORT_FORMATS, formatFor, isExportFormat } from "../../src/format/mod.ts";

const VARS = [
  { name: "HF_TOKEN", value: "hf_abc", secret: true },
  { name: "AWS_REGION", value: "us-east-1" },
];

Deno.test("formatFor: dispatches to each writer", () => {
  assert.deepEqual(formatFor("dotenv")(VARS), {
    text: "HF_TOKEN='hf_abc'\nAWS_REGION='us-east-1'\n",
    masks: "",
  });
  assert.deepEqual(formatFor("shell")(VARS), {
    text: "export HF_TOKEN='hf_abc'\nexport AWS_REGION='us-east-1'\n",
    masks: "",
  });
  assert.equal(JSON.parse(formatFor("json")(VARS).text).HF_TOKEN, "hf_abc");
  const github = formatFor("github")(VARS);
  assert.match(github.text, /^HF_TOKEN<<ghadelimiter_/);
  assert.equal(github.masks, "::add-mask::hf_abc\n");
});

Deno.test("formatFor: unknown names are usage errors", () => {
  for (const name of ["yaml", "", "toString", "__proto__", "DOTENV"]) {
    assert.throws(() => formatFor(name), (err: unknown) => {
      assert.ok(err instanceof CredkitError);
      assert.equal(err.exitCode, 2);
      assert.match(
        err.message,
        /Unknown export format .*expected one of dotenv, shell, json, github/,
      );
      return true;
    });
  }
});

Deno.test("isExportFormat and EXPORT_FORMATS agree", () => {
  assert.deepEqual(EXPORT_FORMATS, ["dotenv", "shell", "json", "github"]);
  for (const f of EXPORT_FORMATS) assert.ok(isExportFormat(f));
  assert.ok(!isExportFormat("constructor"));
});
