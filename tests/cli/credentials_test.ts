import assert from "node:assert/strict";
import { assertNoSecrets } from "../_helpers.ts";
import { cli } from "./_cli.ts";

const HF = "hf_abcdefghijklmnopqrstuvwxyz0123";
const AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

Deno.test("add --stdin stores a bare value for a one-secret service in the keychain", async () => {
  const r = await cli(["add", "huggingface", "--stdin"], { stdin: HF + "\n" });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.backends.get("keychain:credentials")!.entries.get("huggingface"), {
    token: HF,
  });
  assertNoSecrets(r.out + r.err, [HF]);
});

Deno.test("add --stdin reads field=value lines and merges with what is stored", async () => {
  const r = await cli(["add", "aws", "--stdin", "--store", "file"], {
    stdin: `access_key_id=AKIAEXAMPLE\nsecret_access_key=${AWS_SECRET}\n`,
    file: { aws: { region: "eu-west-1" } },
  });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.backends.get("file:credentials")!.entries.get("aws"), {
    region: "eu-west-1",
    access_key_id: "AKIAEXAMPLE",
    secret_access_key: AWS_SECRET,
  });
  assertNoSecrets(r.out + r.err, [AWS_SECRET]);
});

Deno.test("global options are accepted before or after the command", async () => {
  const a = await cli(["--store", "file", "add", "storacha", "--stdin"], {
    stdin: "tok-1234567890",
  });
  const b = await cli(["add", "storacha", "--stdin", "--store=file"], { stdin: "tok-1234567890" });
  assert.equal(a.code, 0);
  assert.equal(b.code, 0);
  assert.ok(a.backends.get("file:credentials")!.entries.has("storacha"));
  assert.ok(b.backends.get("file:credentials")!.entries.has("storacha"));
});

Deno.test("a secret on the command line is refused with exit 2 and not echoed", async () => {
  const r = await cli(["add", "github", "--field", `token=${HF}`]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^credkit: Refusing github\.token from the command line: .*--stdin/);
  assertNoSecrets(r.out + r.err, [HF]);
  assert.equal(r.backends.get("keychain:credentials")!.entries.size, 0);
});

Deno.test("add with no terminal and no input never waits: exit 2 naming --stdin", async () => {
  const r = await cli(["add", "github"]);
  assert.equal(r.code, 2);
  assert.equal(r.prompts.length, 0);
  assert.ok(r.err.includes("--stdin"));
});

Deno.test("add on a terminal prompts, hiding secret fields", async () => {
  const r = await cli(["add", "huggingface"], { stdinIsTTY: true, answers: [HF, "me/repo"] });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.prompts.length, 2);
  assert.deepEqual(r.backends.get("keychain:credentials")!.entries.get("huggingface"), {
    token: HF,
    test_repo: "me/repo",
  });
});

Deno.test("bad input: unknown service, unknown field, empty value → exit 2, nothing stored", async () => {
  for (
    const [argv, stdin, pattern] of [
      [["add", "nope", "--stdin"], "x", /Unknown service "nope"/],
      [["add", "aws", "--stdin"], "bogus=1\n", /Unknown field "bogus" for aws/],
      [["add", "aws", "--stdin"], "just a value\n", /Cannot read aws fields from stdin/],
      [["add", "aws", "--field", "region="], "", /Empty value for aws\.region/],
      [["add", "storacha", "--stdin"], "", /Empty value for storacha\.token/],
    ] as const
  ) {
    const r = await cli([...argv], { stdin });
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.err}`);
    assert.match(r.err, pattern);
    assert.equal(r.err.trim().split("\n").length, 1);
    assert.equal(r.backends.get("keychain:credentials")!.entries.size, 0);
  }
});

Deno.test("add --from-env takes values from the environment", async () => {
  const r = await cli(["add", "aws", "--from-env"], {
    env: { AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: AWS_SECRET },
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.backends.get("keychain:credentials")!.entries.get("aws")!.secret_access_key,
    AWS_SECRET,
  );
});

Deno.test("writing with no keychain and no chosen store fails with exit 4 naming --store file", async () => {
  const r = await cli(["add", "storacha", "--stdin"], {
    stdin: "tok-1234567890",
    keychainAvailable: false,
  });
  assert.equal(r.code, 4);
  assert.ok(r.err.includes("--store file"));
  assert.equal(
    r.backends.get("file:credentials")!.entries.size,
    0,
    "never a silent plaintext fallback",
  );
});

Deno.test("precedence: env (even empty) > keychain > file > default, with sources", async () => {
  const r = await cli(["show", "--json"], {
    env: { HF_TOKEN: "" },
    keychain: { aws: { access_key_id: "AKIAKEYCHAIN" }, huggingface: { token: HF } },
    file: { aws: { access_key_id: "AKIAFILE", secret_access_key: AWS_SECRET } },
  });
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out).services;
  assert.deepEqual(s.huggingface.token, {
    variable: "HUGGINGFACE_TOKEN",
    value: "",
    source: "env",
    secret: true,
  });
  assert.equal(s.aws.access_key_id.source, "keychain");
  assert.equal(s.aws.secret_access_key.source, "file");
  assert.equal(s.aws.region.source, "default");
  assert.equal(s.aws.region.value, "us-east-1");
  assert.equal(s.github.token.source, null);
  assertNoSecrets(r.out + r.err, [AWS_SECRET, HF, "AKIAKEYCHAIN"]);
});

Deno.test("show masks secrets (at most 4 characters) and --reveal shows them", async () => {
  const masked = await cli(["show", "huggingface"], { keychain: { huggingface: { token: HF } } });
  assert.equal(masked.code, 0);
  assert.ok(masked.out.includes("hf_****0123"));
  assertNoSecrets(masked.out + masked.err, [HF]);
  const revealed = await cli(["show", "huggingface", "--reveal"], {
    keychain: { huggingface: { token: HF } },
  });
  assert.ok(revealed.out.includes(HF));
});

Deno.test("reading with the keychain unreachable warns once and uses the file store", async () => {
  const r = await cli(["show", "--json"], {
    keychainAvailable: false,
    file: { github: { token: HF } },
  });
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.out).services.github.token.source, "file");
  assert.equal(r.err.match(/keychain unavailable/g)?.length, 1);
});

Deno.test("get prints the raw value; a missing one exits 3", async () => {
  const r = await cli(["get", "github.token"], { keychain: { github: { token: HF } } });
  assert.equal(r.code, 0);
  assert.equal(r.out, HF + "\n");
  const m = await cli(["get", "github.token"]);
  assert.equal(m.code, 3);
  assert.match(m.err, /^credkit: No value for github\.token: GITHUB_TOKEN is not set/);
  const bad = await cli(["get", "github"]);
  assert.equal(bad.code, 2);
});

Deno.test("rm removes a service or one field from the chosen store", async () => {
  const r = await cli(["rm", "aws", "--field", "region"], {
    keychain: { aws: { region: "x", access_key_id: "A" } },
  });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.backends.get("keychain:credentials")!.entries.get("aws"), {
    access_key_id: "A",
  });
  const all = await cli(["rm", "aws", "--store", "file"], { file: { aws: { region: "x" } } });
  assert.equal(all.code, 0);
  assert.equal(all.backends.get("file:credentials")!.entries.has("aws"), false);
  const none = await cli(["rm", "github"]);
  assert.equal(none.code, 0);
  assert.ok(none.err.includes("nothing stored"));
});

Deno.test("list shows stores and completeness", async () => {
  const r = await cli(["list", "--json"], {
    keychain: { storacha: { token: "t-1234567890" } },
    file: { storacha: { token: "t-1234567890" }, legacy: { x: "1" } },
  });
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  const storacha = j.services.find((s: { service: string }) => s.service === "storacha");
  assert.deepEqual(storacha.stores, ["keychain", "file"]);
  assert.equal(storacha.complete, true);
  assert.deepEqual(j.undeclared, ["legacy"]);
  assertNoSecrets(r.out, ["t-1234567890"]);
});

Deno.test("unknown command and unknown option are usage errors (exit 2)", async () => {
  assert.equal((await cli(["frobnicate"])).code, 2);
  const r = await cli(["show", "--bogus"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^credkit: Invalid options for show: /);
  assert.equal((await cli(["--store", "cloud", "show"])).code, 2);
});

Deno.test("--help works on every command and --version prints the version", async () => {
  for (const name of ["add", "show", "get", "rm", "list", "export", "import", "doctor", "auth"]) {
    const r = await cli([name, "--help"]);
    assert.equal(r.code, 0, name);
    assert.match(r.out, /Usage:\s+credkit/);
  }
  assert.match((await cli(["--version"])).out, /^credkit \d+\.\d+\.\d+/);
});
