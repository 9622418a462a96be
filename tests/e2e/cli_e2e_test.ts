/**
 * The CLI as a user drives it, once per runtime: the compiled binary,
 * `deno run main.ts` and `bun main.ts`, with a file store in a temporary
 * CREDKIT_HOME.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { credkit, runtimes, tempHome } from "./_runtimes.ts";
import { targetName } from "../../src/version.ts";

const HF = "hf_e2eSECRETabcdefghijklmnop4567";
const noBus = { DBUS_SESSION_BUS_ADDRESS: undefined };

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] add --stdin, show masked, get raw, run with masking, rm`, async () => {
    const home = tempHome();
    const env = { CREDKIT_HOME: home, CREDKIT_STORE: "file", CI: "true" };
    const add = await credkit(rt, ["add", "huggingface", "--stdin"], { env, stdin: HF + "\n" });
    assert.equal(add.code, 0, add.err);
    const file = join(home, "credentials.json");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(home).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), {
      credentials: { huggingface: { token: HF } },
    });

    const show = await credkit(rt, ["show", "huggingface"], { env });
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /hf_\*\*\*\*4567/);
    assert.match(show.out, /file/);

    const json = await credkit(rt, ["show", "--json"], { env });
    assert.equal(JSON.parse(json.out).services.huggingface.token.source, "file");

    const get = await credkit(rt, ["get", "huggingface.token"], { env });
    assert.equal(get.out, HF + "\n");

    const masked = await credkit(rt, [
      "run",
      "--",
      "sh",
      "-c",
      'echo "token=$HF_TOKEN"; echo "err=$HUGGINGFACE_TOKEN" >&2',
    ], { env });
    assert.equal(masked.code, 0, masked.err);
    assert.equal(masked.out, "token=****\n");
    assert.match(masked.err, /err=\*\*\*\*/);

    const direct = await credkit(rt, [
      "run",
      "--no-mask",
      "--",
      "sh",
      "-c",
      `test "$HF_TOKEN" = "${HF}" && exit 42`,
    ], { env });
    assert.equal(direct.code, 42);

    const rm = await credkit(rt, ["rm", "huggingface"], { env });
    assert.equal(rm.code, 0, rm.err);
    assert.equal((await credkit(rt, ["get", "huggingface.token"], { env })).code, 3);
    for (const r of [add, show, json, masked, rm]) {
      assert.ok(!(r.out + r.err).includes(HF), "secret leaked into output");
    }
    fs.rmSync(home, { recursive: true });
  });

  Deno.test(`[${rt.name}] no keychain and no chosen store: a write fails with exit 4 naming --store file`, async () => {
    const home = tempHome();
    const env = { ...noBus, CREDKIT_HOME: home, CI: "true" };
    const r = await credkit(rt, ["add", "github", "--stdin"], { env, stdin: HF });
    assert.equal(r.code, 4, r.err);
    assert.match(r.err, /^credkit: .*--store file/);
    assert.equal(r.err.trim().split("\n").length, 1);
    assert.ok(!fs.existsSync(join(home, "credentials.json")), "nothing written in plaintext");
    assert.ok(!r.err.includes(HF));
    // Reading still works from the file store, with the keychain reported once.
    await credkit(rt, ["add", "github", "--stdin", "--store", "file"], { env, stdin: HF });
    const show = await credkit(rt, ["show", "github", "--json"], { env });
    assert.equal(show.code, 0, show.err);
    assert.equal(JSON.parse(show.out).services.github.token.source, "file");
    assert.equal(show.err.match(/keychain unavailable/g)?.length, 1);
    fs.rmSync(home, { recursive: true });
  });

  Deno.test(`[${rt.name}] a corrupt credentials file is kept and reported with exit 4`, async () => {
    const home = tempHome();
    const file = join(home, "credentials.json");
    const corrupt = '{"credentials": {"aws": {"region": "x"},';
    fs.writeFileSync(file, corrupt, { mode: 0o600 });
    const env = { CREDKIT_HOME: home, CREDKIT_STORE: "file", CI: "true" };
    const add = await credkit(rt, ["add", "storacha", "--stdin"], {
      env,
      stdin: "w3-secret-123456",
    });
    assert.equal(add.code, 4);
    assert.match(add.err, new RegExp(`^credkit: Cannot read credentials file ${file}`));
    assert.equal(fs.readFileSync(file, "utf8"), corrupt);
    const show = await credkit(rt, ["show"], { env });
    assert.equal(show.code, 4);
    fs.rmSync(home, { recursive: true });
  });

  Deno.test(`[${rt.name}] without a terminal nothing waits for input`, async () => {
    const home = tempHome();
    const r = await credkit(rt, ["add", "github", "--store", "file"], {
      env: { CREDKIT_HOME: home },
      timeoutMs: 15000,
    });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--stdin/);
    fs.rmSync(home, { recursive: true });
  });

  Deno.test(`[${rt.name}] exit codes: usage 2, missing 3, command not found 127`, async () => {
    const home = tempHome();
    const env = { CREDKIT_HOME: home, CREDKIT_STORE: "file" };
    assert.equal((await credkit(rt, ["bogus"], { env })).code, 2);
    assert.equal((await credkit(rt, ["get", "github.token"], { env })).code, 3);
    const req = await credkit(
      rt,
      ["run", "--require", "github", "--", "sh", "-c", "echo started"],
      { env },
    );
    assert.equal(req.code, 3);
    assert.match(req.err, /GITHUB_TOKEN/);
    assert.equal(req.out, "", "nothing was started");
    const nf = await credkit(rt, ["run", "--", "no-such-command-xyz"], {
      env: { ...env, PATH: "/usr/bin:/bin" },
    });
    assert.equal(nf.code, 127);
    assert.match(nf.err, /PATH=\/usr\/bin:\/bin/);
    const version = await credkit(rt, ["--version"]);
    // The version, the target and the commit the binary was built from.
    assert.match(
      version.out,
      new RegExp(
        `^credkit \\d+\\.\\d+\\.\\d+ \\(${targetName()}, ` +
          (rt.name === "binary" ? "[0-9a-f]{12}(-dirty)?" : "source") + "\\)\\n$",
      ),
    );
    fs.rmSync(home, { recursive: true });
  });
}

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] bad input: a 1 MB value round-trips; a directory in place of the file is exit 4`, async () => {
    const home = tempHome();
    const env = { CREDKIT_HOME: home, CREDKIT_STORE: "file", CI: "true" };
    const big = "v".repeat(1024 * 1024);
    const add = await credkit(rt, ["add", "storacha", "--stdin"], { env, stdin: big });
    assert.equal(add.code, 0, add.err);
    const get = await credkit(rt, ["get", "storacha.token"], { env });
    assert.equal(get.out, big + "\n");
    assert.ok(!add.err.includes(big.slice(0, 64)));

    const other = tempHome();
    fs.mkdirSync(join(other, "credentials.json"));
    const dirEnv = { CREDKIT_HOME: other, CREDKIT_STORE: "file", CI: "true" };
    const r = await credkit(rt, ["add", "storacha", "--stdin"], {
      env: dirEnv,
      stdin: "w3-secret-123456",
    });
    assert.equal(r.code, 4);
    assert.match(r.err, /^credkit: Cannot read credentials file .*: is a directory/);
    assert.equal(r.err.trim().split("\n").length, 1);
    assert.ok(fs.statSync(join(other, "credentials.json")).isDirectory(), "left as it was");
    fs.rmSync(home, { recursive: true });
    fs.rmSync(other, { recursive: true });
  });
}
