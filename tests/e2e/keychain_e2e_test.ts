/**
 * The real keychain (Secret Service in a private D-Bus session under npm
 * test), driven through the CLI of every runtime, and the compiled binary
 * copied alone into an empty directory.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { keychainAvailability, keychainTest } from "../_keychain.ts";
import { credkit, type Runtime, runtimes, tempHome } from "./_runtimes.ts";

const keychain = await keychainAvailability();
const TOKEN = "ghp_e2eKEYCHAINsecret0123456789abcd";

/** The accounts held under a keychain service, read with the keyring library itself (no secret-tool needed). */
async function keychainItems(service: string): Promise<string> {
  const { findCredentialsAsync } = await import("@napi-rs/keyring");
  return (await findCredentialsAsync(service)).map((c) => c.account).join("\n");
}

for (const rt of runtimes()) {
  keychainTest(
    keychain,
    `[${rt.name}] keychain by default: add, show source, run masked, rm`,
    async () => {
      const home = tempHome();
      const service = `credkit-e2e-${rt.name}-${process.pid}`;
      const env = {
        CREDKIT_HOME: home,
        CREDKIT_KEYCHAIN_SERVICE: service,
        CREDKIT_STORE: undefined,
        CI: "true",
      };
      const add = await credkit(rt, ["add", "github", "--stdin"], { env, stdin: TOKEN });
      assert.equal(add.code, 0, add.err);
      assert.match(add.err, /in keychain/);
      assert.ok(!fs.existsSync(join(home, "credentials.json")), "nothing in the file store");
      assert.match(await keychainItems(service), /github/);

      const show = await credkit(rt, ["show", "github", "--json"], { env });
      assert.equal(show.code, 0, show.err);
      assert.equal(JSON.parse(show.out).services.github.token.source, "keychain");

      const run = await credkit(rt, [
        "run",
        "--",
        "sh",
        "-c",
        'echo "$GITHUB_TOKEN $GITHUB_PERSONAL_ACCESS_TOKEN"',
      ], { env });
      assert.equal(run.out, "**** ****\n");

      const rm = await credkit(rt, ["rm", "github"], { env });
      assert.equal(rm.code, 0, rm.err);
      assert.doesNotMatch(await keychainItems(service), /github/);
      for (const r of [add, show, run, rm]) assert.ok(!(r.out + r.err).includes(TOKEN));
      fs.rmSync(home, { recursive: true });
    },
  );
}

const binary = runtimes().find((r) => r.name === "binary");
if (binary) {
  keychainTest(
    keychain,
    "[binary] copied alone into an empty directory, PATH=/usr/bin:/bin, keychain works",
    async () => {
      const dir = tempHome();
      const copy = join(dir, "credkit");
      fs.copyFileSync(binary.argv[0], copy);
      fs.chmodSync(copy, 0o755);
      const alone: Runtime = { name: "binary", argv: [copy] };
      const service = `credkit-e2e-alone-${process.pid}`;
      const clean: Record<string, string | undefined> = {};
      for (const k of Object.keys(process.env)) clean[k] = undefined;
      const env = {
        ...clean,
        PATH: "/usr/bin:/bin",
        HOME: dir,
        DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
        CREDKIT_KEYCHAIN_SERVICE: service,
      };
      const version = await credkit(alone, ["--version"], { env, cwd: dir });
      assert.match(version.out, /^credkit /);
      const add = await credkit(alone, ["add", "storacha", "--stdin"], {
        env,
        cwd: dir,
        stdin: TOKEN,
      });
      assert.equal(add.code, 0, add.err);
      const get = await credkit(alone, ["get", "storacha.token"], { env, cwd: dir });
      assert.equal(get.out, TOKEN + "\n");
      const doctor = await credkit(alone, ["doctor", "--json"], { env, cwd: dir });
      const checks = JSON.parse(doctor.out).checks as { name: string; ok: boolean }[];
      assert.ok(checks.find((c) => c.name === "keychain")!.ok);
      assert.equal((await credkit(alone, ["rm", "storacha"], { env, cwd: dir })).code, 0);
      fs.rmSync(dir, { recursive: true });
    },
  );
} else {
  console.error("e2e: binary-alone keychain test not registered: CREDKIT_BIN is not set");
}
