import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { detectImportFormat, parseIpfsKitConfig } from "../../src/format/ipfs_kit.ts";

const CONFIG = JSON.stringify({
  credentials: {
    huggingface: { token: "hf_secret123", test_repo: "user/repo" },
    aws: { access_key_id: "AKIA", secret_access_key: "s3cr3t", region: "us-east-1" },
    s3: { test_bucket: "bucket", port: 9000, use_ssl: true, unset: null },
    storacha: { token: "w3_tok" },
  },
  other: { ignored: [1, 2] },
});

Deno.test("parseIpfsKitConfig: reads every service and field as strings", () => {
  assert.deepEqual(parseIpfsKitConfig(CONFIG), {
    huggingface: { token: "hf_secret123", test_repo: "user/repo" },
    aws: { access_key_id: "AKIA", secret_access_key: "s3cr3t", region: "us-east-1" },
    s3: { test_bucket: "bucket", port: "9000", use_ssl: "true" },
    storacha: { token: "w3_tok" },
  });
});

Deno.test("parseIpfsKitConfig: empty credentials, BOM, pretty printing", () => {
  assert.deepEqual(parseIpfsKitConfig('{"credentials": {}}'), {});
  assert.deepEqual(parseIpfsKitConfig('\ufeff{\n  "credentials": {"a": {}}\n}\n'), { a: {} });
});

function assertFails(text: string, pattern: RegExp, secrets: string[] = []): void {
  assert.throws(() => parseIpfsKitConfig(text, "/home/u/.ipfs_kit/config.json"), (err: unknown) => {
    assert.ok(err instanceof CredkitError);
    assert.equal(err.kind, "error");
    assert.match(err.message, /^Cannot read \/home\/u\/\.ipfs_kit\/config\.json: /);
    assert.match(err.message, pattern);
    for (const s of secrets) assert.ok(!err.message.includes(s), "a value leaked into the error");
    return true;
  });
}

Deno.test("parseIpfsKitConfig: names the JSON path of a bad field, never its value", () => {
  assertFails(
    '{"credentials": {"aws": {"region": ["us-east-1"]}}}',
    /credentials\.aws\.region: expected a string, number or boolean, got an array/,
    ["us-east-1"],
  );
  assertFails(
    '{"credentials": {"aws": {"key": {"id": "AKIA"}}}}',
    /credentials\.aws\.key: .*got an object/,
    ["AKIA"],
  );
  assertFails('{"credentials": {"my.svc": {"a b": {}}}}', /credentials\["my\.svc"\]\["a b"\]: /);
  assertFails(
    '{"credentials": {"aws": "s3cr3t"}}',
    /credentials\.aws: expected an object, got a string/,
    ["s3cr3t"],
  );
  assertFails('{"credentials": {"aws": null}}', /credentials\.aws: expected an object, got null/);
  assertFails('{"credentials": ["x"]}', /credentials: expected an object, got an array/);
  assertFails('{"other": 1}', /credentials: missing/);
  assertFails("[1]", /\$: expected an object, got an array/);
  assertFails('"hf_secret"', /\$: expected an object, got a string/, ["hf_secret"]);
});

Deno.test("parseIpfsKitConfig: invalid JSON is reported by position, without content", () => {
  for (
    const text of [
      '{"credentials": {"hf": {"token": hf_secret_value}}}',
      '{"credentials": {"hf": {"token": "hf_secret_value"',
      "hf_secret_value",
    ]
  ) {
    assertFails(text, /not valid JSON/, ["hf_secret_value", "hf_secret", "secret"]);
  }
});

Deno.test("detectImportFormat: ipfs_kit for JSON, dotenv otherwise", () => {
  assert.equal(detectImportFormat("/home/u/.ipfs_kit/config.json", CONFIG), "ipfs_kit");
  assert.equal(detectImportFormat("creds", CONFIG), "ipfs_kit");
  assert.equal(detectImportFormat("creds", `\ufeff  \n${CONFIG}`), "ipfs_kit");
  assert.equal(detectImportFormat(".env", "HF_TOKEN=hf_x\n# comment\n"), "dotenv");
  assert.equal(detectImportFormat("prod.env", "export A='{\"credentials\": 1}'\n"), "dotenv");
  assert.equal(detectImportFormat("x.env", ""), "dotenv");
  // Broken JSON goes to the JSON reader so that its error is reported.
  assert.equal(detectImportFormat("config.JSON", "{ oops"), "ipfs_kit");
  assert.equal(detectImportFormat("creds", '{"services": {}}'), "ipfs_kit");
});
