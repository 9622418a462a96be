import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "dotenv";
import { assertNoSecrets } from "../_helpers.ts";
import { cli } from "./_cli.ts";

const HF = "hf_abcdefghijklmnopqrstuvwxyz0123";
const TRICKY = `it's "quoted" $HOME \`id\` \\ back = é`;
const MULTILINE = "-----BEGIN KEY-----\nabc 'q' = #\n-----END KEY-----";

function tempDir(): string {
  return fs.mkdtempSync(join(tmpdir(), "credkit-export-"));
}

Deno.test("export --format dotenv --output creates a 0600 file that parses back exactly", async () => {
  const dir = tempDir();
  const out = join(dir, ".env");
  const r = await cli(["export", "--format", "dotenv", "--output", out], {
    keychain: {
      huggingface: { token: HF },
      storacha: { token: TRICKY },
      github: { token: MULTILINE },
    },
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  const parsed = parse(fs.readFileSync(out, "utf8"));
  assert.equal(parsed.HF_TOKEN, HF);
  assert.equal(parsed.HUGGINGFACE_TOKEN, HF);
  assert.equal(parsed.W3_TOKEN, TRICKY);
  assert.equal(parsed.GITHUB_TOKEN, MULTILINE);
  assertNoSecrets(r.out + r.err, [HF, TRICKY]);
  const again = await cli(["export", "--format", "dotenv", "--output", out], {
    keychain: { huggingface: { token: "other-value-123456" } },
  });
  assert.equal(again.code, 1);
  assert.match(again.err, /Refusing to overwrite .*--force/);
  assert.equal(parse(fs.readFileSync(out, "utf8")).HF_TOKEN, HF, "file unchanged");
  const forced = await cli([
    "export",
    "--format",
    "json",
    "--output",
    out,
    "--force",
    "--only",
    "storacha",
  ], {
    keychain: { storacha: { token: TRICKY } },
  });
  assert.equal(forced.code, 0, forced.err);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, "utf8")), { W3_TOKEN: TRICKY });
  assert.equal(fs.statSync(out).mode & 0o777, 0o600);
  fs.rmSync(dir, { recursive: true });
});

Deno.test("export --format github appends to $GITHUB_ENV and prints add-mask lines", async () => {
  const dir = tempDir();
  const ghEnv = join(dir, "github_env");
  fs.writeFileSync(ghEnv, "EXISTING=1\n");
  const r = await cli(["export", "--format", "github", "--only", "huggingface"], {
    env: { GITHUB_ENV: ghEnv },
    keychain: { huggingface: { token: HF, test_repo: "me/repo" } },
  });
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.includes(`::add-mask::${HF}`));
  assert.ok(!r.out.includes("::add-mask::me/repo"), "non-secrets are not masked");
  const text = fs.readFileSync(ghEnv, "utf8");
  assert.ok(text.startsWith("EXISTING=1\n"));
  assert.ok(text.includes("HF_TOKEN<<"));
  const none = await cli(["export", "--format", "github"]);
  assert.equal(none.code, 2);
  fs.rmSync(dir, { recursive: true });
});

Deno.test("import --from-env stores every declared variable that is set", async () => {
  const r = await cli(["import", "--from-env", "--store", "file"], {
    env: { HF_TOKEN: HF, AWS_REGION: "eu-west-1", W3_TOKEN: "", UNRELATED: "x" },
  });
  assert.equal(r.code, 0, r.err);
  const file = r.backends.get("file:credentials")!.entries;
  assert.deepEqual(file.get("huggingface"), { token: HF });
  assert.deepEqual(file.get("aws"), { region: "eu-west-1" });
  assert.equal(file.has("storacha"), false);
  assertNoSecrets(r.out + r.err, [HF]);
});

Deno.test("import --from-file reads an ipfs_kit config.json and a .env", async () => {
  const dir = tempDir();
  const cfg = join(dir, "config.json");
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      credentials: {
        huggingface: { token: HF, test_repo: "me/repo" },
        s3: { test_bucket: "bucket-1", endpoint: "http://x" },
        storacha: { token: "w3-token-12345678" },
      },
      other: { keep: true },
    }),
  );
  const r = await cli(["import", "--from-file", cfg, "--store", "file"]);
  assert.equal(r.code, 0, r.err);
  const file = r.backends.get("file:credentials")!.entries;
  assert.deepEqual(file.get("huggingface"), { token: HF, test_repo: "me/repo" });
  assert.deepEqual(file.get("s3"), { test_bucket: "bucket-1" });
  assert.match(r.err, /skipped.*s3\.endpoint/);
  const env = join(dir, ".env");
  fs.writeFileSync(env, `GITHUB_TOKEN='${HF}'\nAWS_REGION=eu-central-1\nOTHER=1\n`);
  const e = await cli(["import", "--from-file", env, "--store", "file"]);
  assert.equal(e.code, 0, e.err);
  assert.deepEqual(e.backends.get("file:credentials")!.entries.get("github"), { token: HF });
  assert.match(e.err, /skipped.*OTHER/);
  assertNoSecrets(r.out + r.err + e.out + e.err, [HF]);
  const missing = await cli(["import", "--from-file", join(dir, "nope.json"), "--store", "file"]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /^credkit: Cannot read .*nope\.json: no such file/);
  fs.rmSync(dir, { recursive: true });
});

Deno.test("export refuses a value dotenv cannot carry exactly: exit 1, one line, value not shown", async () => {
  const dir = tempDir();
  const out = join(dir, ".env");
  const unquotable = "it's #1 $HOME-secret-value";
  const r = await cli(["export", "--format", "dotenv", "--output", out], {
    keychain: { storacha: { token: unquotable } },
  });
  assert.equal(r.code, 1);
  assert.match(r.err, /^credkit: Cannot export W3_TOKEN as dotenv: .*--format shell/);
  assert.equal(r.err.trim().split("\n").length, 1);
  assert.ok(!fs.existsSync(out), "nothing written");
  assertNoSecrets(r.out + r.err, [unquotable]);
  const shell = await cli(["export", "--format", "shell"], {
    keychain: { storacha: { token: unquotable } },
  });
  assert.equal(shell.code, 0);
  fs.rmSync(dir, { recursive: true });
});
