import assert from "node:assert/strict";
import { assertNoSecrets, rejectsWith } from "../_helpers.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { CredkitError, formatError } from "../../src/errors.ts";
import { FileBackend, filePermissionWarning, fileStoreInfo } from "../../src/store/file.ts";

const SECRET = "hf_SECRETvalue0123456789";

function tempDir(): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-file-"));
}

function mode(p: string): number {
  return fs.statSync(p).mode & 0o777;
}

/** Asserts the promise fails with store_unavailable (exit 4), never mentioning the secret. */
async function assertUnavailable(p: Promise<unknown>, why: RegExp): Promise<CredkitError> {
  const err = await rejectsWith(() => p, CredkitError);
  assert.deepStrictEqual(err.kind, "store_unavailable");
  assert.deepStrictEqual(err.exitCode, 4);
  assert(why.test(err.why), `why "${err.why}" does not match ${why}`);
  assert(!formatError(err).includes(SECRET), "the secret leaked into the error");
  assert(!formatError(err).includes("SECRET"), "part of the secret leaked into the error");
  return err;
}

const ipfsKitConfig = {
  credentials: {
    huggingface: { token: SECRET, test_repo: "me/test-repo" },
    aws: { access_key_id: "AKIAEXAMPLE", secret_access_key: "aws/secret+key", region: "eu-west-1" },
    s3: { test_bucket: "my-bucket", port: 9000, secure: true, endpoint: null },
    storacha: { token: "w3-token", space: { did: "did:key:z6Mk", size: 3 } },
  },
  ipfs: { path: "~/.ipfs", peers: ["/ip4/1.2.3.4/tcp/4001"], gateway: { port: 8080 } },
  mcp: { host: "127.0.0.1", port: 8000, debug: false },
  version: 3,
};

Deno.test("file store reads and rewrites an ipfs_kit config, keeping everything it does not own", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify(ipfsKitConfig, null, 4), { mode: 0o600 });
    const store = new FileBackend({ path: file });

    assert.deepStrictEqual(await store.get("huggingface"), {
      token: SECRET,
      test_repo: "me/test-repo",
    });
    assert.deepStrictEqual(await store.list(), ["huggingface", "aws", "s3", "storacha"]);
    // Numbers and booleans read as strings, null fields are absent, nested values as JSON.
    assert.deepStrictEqual(await store.get("s3"), {
      test_bucket: "my-bucket",
      port: "9000",
      secure: "true",
    });
    assert.deepStrictEqual(await store.get("storacha"), {
      token: "w3-token",
      space: '{"did":"did:key:z6Mk","size":3}',
    });
    assert.deepStrictEqual(await store.get("github"), undefined);

    await store.set("huggingface", { token: "hf_new", test_repo: "me/other" });
    await store.set("github", { token: "ghp_x" });
    const after = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.deepStrictEqual(after.credentials.huggingface, {
      token: "hf_new",
      test_repo: "me/other",
    });
    assert.deepStrictEqual(after.credentials.github, { token: "ghp_x" });
    // Everything else is byte-for-byte the same data, types included.
    for (const service of ["aws", "s3", "storacha"] as const) {
      assert.deepStrictEqual(after.credentials[service], ipfsKitConfig.credentials[service]);
    }
    assert.deepStrictEqual(after.ipfs, ipfsKitConfig.ipfs);
    assert.deepStrictEqual(after.mcp, ipfsKitConfig.mcp);
    assert.deepStrictEqual(after.version, 3);
    assert.deepStrictEqual(Object.keys(after), ["credentials", "ipfs", "mcp", "version"]);

    // update keeps the other fields of the entry it changes, even typed ones.
    const updated = await store.update("s3", (cur) => ({ ...cur, test_bucket: "other" }));
    assert.deepStrictEqual(updated, { test_bucket: "other", port: "9000", secure: "true" });
    assert.deepStrictEqual(await store.remove("aws"), true);
    assert.deepStrictEqual(await store.remove("aws"), false);
    assert.deepStrictEqual(await store.list(), ["huggingface", "s3", "storacha", "github"]);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")).ipfs, ipfsKitConfig.ipfs);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("file store keeps credentials and tokens apart in one file", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "config.json");
    fs.writeFileSync(file, JSON.stringify(ipfsKitConfig), { mode: 0o600 });
    const tokens = new FileBackend({ path: file, namespace: "tokens" });
    const creds = new FileBackend({ path: file });
    assert.deepStrictEqual(await tokens.list(), []);
    await tokens.set("huggingface", { access_token: "at", expires_at: "123" });
    assert.deepStrictEqual(await tokens.get("huggingface"), {
      access_token: "at",
      expires_at: "123",
    });
    assert.deepStrictEqual(await creds.get("huggingface"), ipfsKitConfig.credentials.huggingface);
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    assert.deepStrictEqual(doc.tokens, { huggingface: { access_token: "at", expires_at: "123" } });
    assert.deepStrictEqual(doc.credentials, ipfsKitConfig.credentials);
    // Removing through update (undefined, or an empty object) deletes the entry.
    assert.deepStrictEqual(await tokens.update("huggingface", () => undefined), undefined);
    await tokens.set("x", { a: "1" });
    assert.deepStrictEqual(await tokens.update("x", () => ({})), undefined);
    assert.deepStrictEqual(await tokens.list(), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("file store creates its directory 0700 and its file 0600, and tightens a loose file", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "a", "b", "credentials.json");
    const store = new FileBackend({ path: file });
    assert.deepStrictEqual(await store.get("x"), undefined);
    assert.deepStrictEqual(await store.list(), []);
    assert.deepStrictEqual(await store.remove("x"), false);
    assert(
      !fs.existsSync(path.join(dir, "a")),
      "a read or a no-op remove must not create anything",
    );

    await store.set("aws", { region: "us-east-1" });
    assert.deepStrictEqual(mode(path.join(dir, "a")), 0o700);
    assert.deepStrictEqual(mode(path.join(dir, "a", "b")), 0o700);
    assert.deepStrictEqual(mode(file), 0o600);
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(file, "utf8")), {
      credentials: { aws: { region: "us-east-1" } },
    });
    // Neither the lock nor a temporary file stays behind.
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["credentials.json"]);

    fs.chmodSync(file, 0o644);
    await store.set("aws", { region: "eu-west-1" });
    assert.deepStrictEqual(mode(file), 0o600);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("file store writes through a symlink to its target", async () => {
  const dir = tempDir();
  try {
    const real = path.join(dir, "real.json");
    const link = path.join(dir, "link.json");
    fs.writeFileSync(real, JSON.stringify({ other: 1 }), { mode: 0o600 });
    fs.symlinkSync(real, link);
    await new FileBackend({ path: link }).set("aws", { region: "x" });
    assert(fs.lstatSync(link).isSymbolicLink());
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(real, "utf8")), {
      other: 1,
      credentials: { aws: { region: "x" } },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("file store never replaces a file that is not valid JSON", async (t) => {
  const cases: Record<string, string> = {
    "a bare word": `{"credentials": {"huggingface": {"token": ${SECRET}}}}`,
    "a trailing comma": `{"credentials": {"huggingface": {"token": "${SECRET}",}}}`,
    "truncated": `{"credentials": {"huggingface": {"token": "${SECRET}"`,
    "empty": "",
  };
  for (const [name, text] of Object.entries(cases)) {
    await t.step(name, async () => {
      const dir = tempDir();
      try {
        const file = path.join(dir, "credentials.json");
        fs.writeFileSync(file, text, { mode: 0o600 });
        const before = fs.readFileSync(file);
        const store = new FileBackend({ path: file });
        const err = await assertUnavailable(store.get("huggingface"), /not valid JSON/);
        assert(err.what.includes(file), "the error names the file");
        assert.deepStrictEqual(err.hint, "fix or move the file; credkit will not replace it");
        if (text !== "") assert(/line 1 column \d+/.test(err.why), err.why);
        await assertUnavailable(store.list(), /not valid JSON/);
        await assertUnavailable(store.set("huggingface", { token: "new" }), /not valid JSON/);
        await assertUnavailable(store.set("aws", { region: "x" }), /not valid JSON/);
        await assertUnavailable(store.remove("huggingface"), /not valid JSON/);
        await assertUnavailable(store.update("huggingface", () => ({ a: "b" })), /not valid JSON/);
        assert.deepStrictEqual(fs.readFileSync(file), before);
        assert.deepStrictEqual(fs.readdirSync(dir), ["credentials.json"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

Deno.test("file store refuses a file of the wrong shape and keeps it", async (t) => {
  const cases: Record<string, [string, RegExp]> = {
    "top-level array": [`[{"token": "${SECRET}"}]`, /top level is not a JSON object/],
    "top-level string": [`"${SECRET}"`, /top level is not a JSON object/],
    "credentials is an array": [
      `{"credentials": ["${SECRET}"]}`,
      /"credentials" is not a JSON object/,
    ],
    "credentials is a string": [
      `{"credentials": "${SECRET}"}`,
      /"credentials" is not a JSON object/,
    ],
  };
  for (const [name, [text, why]] of Object.entries(cases)) {
    await t.step(name, async () => {
      const dir = tempDir();
      try {
        const file = path.join(dir, "credentials.json");
        fs.writeFileSync(file, text, { mode: 0o600 });
        const store = new FileBackend({ path: file });
        await assertUnavailable(store.get("huggingface"), why);
        await assertUnavailable(store.list(), why);
        await assertUnavailable(store.set("aws", { region: "x" }), why);
        assert.deepStrictEqual(fs.readFileSync(file, "utf8"), text);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  await t.step("an entry that is not an object", async () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, "credentials.json");
      const doc = { credentials: { huggingface: SECRET, aws: { region: "x" } }, tokens: 5 };
      fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
      const store = new FileBackend({ path: file });
      await assertUnavailable(
        store.get("huggingface"),
        /"credentials.huggingface" is not a JSON object/,
      );
      await assertUnavailable(store.update("huggingface", (c) => c), /is not a JSON object/);
      // Listing and the other entries still work; the odd entry is kept on rewrite.
      assert.deepStrictEqual(await store.list(), ["aws"]);
      await store.set("aws", { region: "y" });
      const after = JSON.parse(fs.readFileSync(file, "utf8"));
      assert.deepStrictEqual(after, {
        credentials: { huggingface: SECRET, aws: { region: "y" } },
        tokens: 5,
      });
      // The tokens namespace of this file is unusable, and says so.
      const tokens = new FileBackend({ path: file, namespace: "tokens" });
      await assertUnavailable(tokens.get("x"), /"tokens" is not a JSON object/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

Deno.test("file store reports a directory in place of the file", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "credentials.json");
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, "keep"), "x");
    const store = new FileBackend({ path: file });
    const err = await assertUnavailable(store.get("aws"), /^is a directory$/);
    assert.deepStrictEqual(
      formatError(err),
      `credkit: Cannot read credentials file ${file}: is a directory`,
    );
    await assertUnavailable(store.list(), /is a directory/);
    await assertUnavailable(store.set("aws", { region: "x" }), /is a directory/);
    await assertUnavailable(store.remove("aws"), /is a directory/);
    assert.deepStrictEqual(fs.readdirSync(file), ["keep"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("file store reports a path it cannot reach (a parent is a file)", async () => {
  const dir = tempDir();
  try {
    const parent = path.join(dir, "not-a-dir");
    fs.writeFileSync(parent, "x");
    const store = new FileBackend({ path: path.join(parent, "credentials.json") });
    await assertUnavailable(store.get("aws"), /a parent of the path is not a directory/);
    await assertUnavailable(store.list(), /a parent of the path is not a directory/);
    const err = await assertUnavailable(store.set("aws", { region: "x" }), /not a directory/);
    assert(err.what.includes(parent), err.what);
    assert.deepStrictEqual(fs.readFileSync(parent, "utf8"), "x");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const bunPath = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  "../../node_modules/.bin/bun",
);
const setprivPath = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p));
/** How the EACCES test runs: in this process, as user nobody through setpriv, or not at all. */
const eaccesMode: "direct" | "nobody" | undefined = !isRoot
  ? "direct"
  : setprivPath && fs.existsSync(bunPath)
  ? "nobody"
  : undefined;
if (!eaccesMode) {
  console.error(
    "file_test: skipping the EACCES test: running as root (which reads a mode 000 file) " +
      "and setpriv or bun is missing, so it cannot run as an unprivileged user",
  );
}

/**
 * The fixture bundled into one file, beside a copy of bun, in a directory
 * every user can enter: the checkout itself may sit where nobody cannot
 * (root's home, a mode 0700 temporary directory).
 */
function nobodyRunner(dir: string): { bun: string; script: string } {
  const fixture = path.resolve(
    path.dirname(new URL(import.meta.url).pathname),
    "fixtures/file_call.ts",
  );
  const script = path.join(dir, "file_call.js");
  const built = new Deno.Command(bunPath, {
    args: ["build", fixture, "--target=bun", "--outfile", script],
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  assert(built.success, new TextDecoder().decode(built.stderr));
  const bun = path.join(dir, "bun");
  fs.copyFileSync(fs.realpathSync(bunPath), bun);
  fs.chmodSync(bun, 0o755);
  fs.chmodSync(script, 0o644);
  return { bun, script };
}

/** Runs a FileBackend call as user nobody (uid 65534) in a Bun process. */
function callAsNobody(
  runner: { bun: string; script: string },
  op: string,
  file: string,
  entry: string,
): Record<string, unknown> {
  const out = new Deno.Command(setprivPath!, {
    args: [
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      runner.bun,
      runner.script,
      op,
      file,
      entry,
    ],
    env: { HOME: "/tmp", PATH: process.env.PATH ?? "/usr/bin:/bin" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertNoSecrets(stdout + stderr, [SECRET]);
  assert(out.success, `fixture failed: ${stderr}`);
  return JSON.parse(stdout);
}

Deno.test({
  name: "file store reports an unreadable file (permission denied)",
  ignore: !eaccesMode,
  fn: async () => {
    // /tmp itself (mode 1777), not $TMPDIR, which may be a directory only root can enter.
    const dir = eaccesMode === "nobody" ? fs.mkdtempSync("/tmp/credkit-file-nobody-") : tempDir();
    try {
      fs.chmodSync(dir, 0o755);
      const file = path.join(dir, "credentials.json");
      fs.writeFileSync(file, JSON.stringify({ credentials: { hf: { token: SECRET } } }));
      if (eaccesMode === "direct") {
        fs.chmodSync(file, 0o000);
        const store = new FileBackend({ path: file });
        await assertUnavailable(store.get("hf"), /^permission denied$/);
        await assertUnavailable(store.set("hf", { token: "x" }), /permission denied|EACCES/);
        fs.chmodSync(file, 0o600);
      } else {
        // Root reads any file, so the reader is a real unprivileged process.
        fs.chmodSync(file, 0o600);
        const runner = nobodyRunner(dir);
        for (const op of ["get", "list"]) {
          const got = callAsNobody(runner, op, file, "hf");
          assert.deepStrictEqual(got.ok, false);
          assert.deepStrictEqual(got.kind, "store_unavailable");
          assert.deepStrictEqual(got.why, "permission denied");
          assert.deepStrictEqual(
            got.message,
            `credkit: Cannot read credentials file ${file}: permission denied`,
          );
        }
        const set = callAsNobody(runner, "set", file, "hf");
        assert.deepStrictEqual([set.ok, set.kind], [false, "store_unavailable"]);
      }
      assert.deepStrictEqual(await new FileBackend({ path: file }).get("hf"), { token: SECRET });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

Deno.test("file store round-trips a 1 MB value with awkward characters", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "credentials.json");
    const unit = 'a"b\\c\n$`d\u00e9\u6f22\u{1F511}\u0000\t';
    const big = unit.repeat(Math.ceil((1 << 20) / unit.length)).slice(0, 1 << 20);
    const store = new FileBackend({ path: file });
    await store.set("big", { value: big, "field with spaces/ü": "x" });
    const got = await new FileBackend({ path: file }).get("big");
    assert.deepStrictEqual(got?.value.length, big.length);
    assert(got?.value === big, "the 1 MB value came back changed");
    assert.deepStrictEqual(got?.["field with spaces/ü"], "x");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("filePermissionWarning and fileStoreInfo describe the file", () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "credentials.json");
    assert.deepStrictEqual(filePermissionWarning(file), undefined);
    assert.deepStrictEqual(fileStoreInfo(file), { path: file, exists: false });
    fs.writeFileSync(file, "{}", { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    assert.deepStrictEqual(filePermissionWarning(file), undefined);
    assert.deepStrictEqual(fileStoreInfo(file), { path: file, exists: true, mode: 0o600 });
    fs.chmodSync(file, 0o640);
    const warning = filePermissionWarning(file);
    assert(warning !== undefined, "a group-readable file must be reported");
    assert(warning.includes(file) && warning.includes("0640"), warning);
    assert(warning.includes(`chmod 600 ${file}`), warning);
    assert(!warning.includes("\n"), "one line");
    fs.chmodSync(file, 0o602);
    assert(filePermissionWarning(file) !== undefined, "a world-writable file must be reported");
    assert.deepStrictEqual(fileStoreInfo(file).mode, 0o602);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
