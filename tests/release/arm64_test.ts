/**
 * The release's linux-arm64 binary really runs: under `qemu-aarch64-static`
 * (QEMU_LD_PREFIX=/usr/aarch64-linux-gnu) it prints its version, adds and
 * gets with the file store and with the real Secret Service over D-Bus (its
 * embedded arm64 addon talking to gnome-keyring), and `run` injects and
 * masks a token.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { keychainAvailability, keychainTest } from "../_keychain.ts";
import { KeychainBackend } from "../../src/store/keychain.ts";
import { VERSION } from "../../src/version.ts";
import { arm64Credkit, qemuMissing, tempDir } from "./_release.ts";

const missing = qemuMissing();
if (missing) console.error(`linux-arm64 release tests FAIL: ${missing}`);
const keychain = await keychainAvailability();

/** Obviously fake tokens, built at run time. */
const FILE_TOKEN = ["ghp", "arm64FILE", String(process.pid), "abcdefgh"].join("_");
const KEYCHAIN_TOKEN = ["ghp", "arm64KEYCHAIN", String(process.pid), "ijklmnop"].join("_");

function assertNoSecret(outputs: { out: string; err: string }[], secret: string): void {
  for (const r of outputs) {
    assert.ok(!(r.out + r.err).includes(secret), "secret leaked into output");
  }
}

Deno.test("[linux-arm64 under qemu] --version names linux-arm64 and the commit", async () => {
  assert.equal(missing, undefined, missing);
  const r = await arm64Credkit(["--version"], {});
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    new RegExp(`^credkit ${VERSION} \\(linux-arm64, [0-9a-f]{12}(-dirty)?\\)\\n$`),
  );
});

Deno.test("[linux-arm64 under qemu] file store: add, get, show; run injects and masks", async () => {
  assert.equal(missing, undefined, missing);
  const home = tempDir("arm64-file");
  const env = {
    CREDKIT_HOME: home,
    CREDKIT_STORE: "file",
    GITHUB_TOKEN: undefined,
    GITHUB_PERSONAL_ACCESS_TOKEN: undefined,
  };
  try {
    const add = await arm64Credkit(["add", "github", "--stdin"], env, { stdin: FILE_TOKEN });
    assert.equal(add.code, 0, add.err);
    assert.deepEqual(
      JSON.parse(fs.readFileSync(join(home, "credentials.json"), "utf8")).credentials.github,
      { token: FILE_TOKEN },
    );
    const get = await arm64Credkit(["get", "github.token"], env);
    assert.equal(get.code, 0, get.err);
    assert.equal(get.out, FILE_TOKEN + "\n");
    const show = await arm64Credkit(["show", "github", "--json"], env);
    assert.equal(JSON.parse(show.out).services.github.token.source, "file");

    const seen = join(home, "child-saw");
    const run = await arm64Credkit([
      "run",
      "--",
      "sh",
      "-c",
      `printf '%s' "$GITHUB_TOKEN" > '${seen}'; echo "token=$GITHUB_TOKEN"; echo "also $GITHUB_TOKEN" >&2`,
    ], env);
    assert.equal(run.code, 0, run.err);
    assert.equal(fs.readFileSync(seen, "utf8"), FILE_TOKEN, "the child got the token");
    assert.equal(run.out, "token=****\n");
    assert.match(run.err, /also \*\*\*\*/);
    assertNoSecret([add, show, run], FILE_TOKEN);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

keychainTest(
  keychain,
  "[linux-arm64 under qemu] Secret Service over D-Bus: add, get, doctor",
  async () => {
    assert.equal(missing, undefined, missing);
    const home = tempDir("arm64-keychain");
    const service = `credkit-release-arm64-${process.pid}`;
    const env = {
      CREDKIT_HOME: home,
      CREDKIT_KEYCHAIN_SERVICE: service,
      CREDKIT_STORE: undefined,
      GITHUB_TOKEN: undefined,
      GITHUB_PERSONAL_ACCESS_TOKEN: undefined,
    };
    const native = new KeychainBackend({ service, timeoutMs: 5000 });
    try {
      const add = await arm64Credkit(["add", "github", "--stdin"], env, { stdin: KEYCHAIN_TOKEN });
      assert.equal(add.code, 0, add.err);
      assert.match(add.err, /in keychain/);
      assert.ok(!fs.existsSync(join(home, "credentials.json")), "nothing in the file store");
      // The x64 side reads what the arm64 binary wrote: it is in the keyring.
      assert.deepEqual(await native.get("github"), { token: KEYCHAIN_TOKEN });

      const get = await arm64Credkit(["get", "github.token"], env);
      assert.equal(get.code, 0, get.err);
      assert.equal(get.out, KEYCHAIN_TOKEN + "\n");
      const show = await arm64Credkit(["show", "github", "--json"], env);
      assert.equal(JSON.parse(show.out).services.github.token.source, "keychain");
      const doctor = await arm64Credkit(["doctor"], env);
      assert.match(doctor.out, /^credkit \S+ \(linux-arm64, /);
      assert.match(doctor.out, /^ok +keychain: reachable \(Secret Service over D-Bus\)$/m);
      const run = await arm64Credkit(["run", "--", "sh", "-c", 'echo "t=$GITHUB_TOKEN"'], env);
      assert.equal(run.out, "t=****\n");
      const rm = await arm64Credkit(["rm", "github"], env);
      assert.equal(rm.code, 0, rm.err);
      assert.equal(await native.get("github"), undefined);
      assertNoSecret([add, show, doctor, run, rm], KEYCHAIN_TOKEN);
    } finally {
      await native.remove("github").catch(() => {});
      fs.rmSync(home, { recursive: true, force: true });
    }
  },
);
