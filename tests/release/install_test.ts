/**
 * install.sh against the built release: from a local directory and over
 * HTTP it installs this machine's binary (byte for byte) atomically; one
 * changed byte in the binary makes it refuse and install nothing. Run with
 * dash and with bash in POSIX mode.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import process from "node:process";
import { targetName } from "../../src/version.ts";
import { RELEASE_TARGETS } from "../../scripts/release.ts";
import { RELEASE_DIR, releaseFile, runProcess, tempDir } from "./_release.ts";

const SHELLS = [["dash"], ["bash", "--posix"]];
const HOST = targetName();
const HOST_FILE = `credkit-${HOST}`;

/** A release directory of links to the real files, with `replace` files copied in instead. */
function releaseCopy(replace: Record<string, (bytes: Buffer) => Buffer> = {}): string {
  const dir = tempDir("from");
  for (const name of fs.readdirSync(RELEASE_DIR)) {
    const source = join(RELEASE_DIR, name);
    if (replace[name]) fs.writeFileSync(join(dir, name), replace[name](fs.readFileSync(source)));
    else fs.symlinkSync(source, join(dir, name));
  }
  return dir;
}

function install(shell: string[], env: Record<string, string | undefined>) {
  return runProcess([...shell, releaseFile("install.sh")], {
    CREDKIT_INSTALL_TARGET: undefined,
    ...env,
  }, { timeoutMs: 300_000 });
}

function sameBytes(a: string, b: string): boolean {
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

for (const shell of SHELLS) {
  const sh = shell.join(" ");

  Deno.test(`[${sh}] install.sh from a local directory installs this machine's binary`, async () => {
    assert.ok(RELEASE_TARGETS.some((t) => t.file === HOST_FILE), `no release for ${HOST}`);
    const home = tempDir("home");
    try {
      // The default directory is ~/.local/bin.
      const r = await install(shell, {
        HOME: home,
        CREDKIT_INSTALL_FROM: RELEASE_DIR,
        CREDKIT_INSTALL_DIR: undefined,
      });
      assert.equal(r.code, 0, r.err);
      const bin = join(home, ".local", "bin");
      assert.deepEqual(fs.readdirSync(bin), ["credkit"], "no temporary file left behind");
      const installed = join(bin, "credkit");
      assert.ok(sameBytes(installed, releaseFile(HOST_FILE)), `installed ${HOST_FILE}`);
      assert.equal(fs.statSync(installed).mode & 0o777, 0o755);
      assert.match(r.err, new RegExp(`installed credkit \\S+ \\(${HOST}, `));
      assert.match(r.err, /is not on your PATH/);
      const version = await runProcess([installed, "--version"], {});
      assert.match(version.out, new RegExp(`^credkit \\S+ \\(${HOST}, `));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  Deno.test(`[${sh}] install.sh CREDKIT_INSTALL_TARGET picks another release, replacing credkit`, async () => {
    const dir = tempDir("bin");
    try {
      fs.writeFileSync(join(dir, "credkit"), "an older credkit\n", { mode: 0o755 });
      const r = await install(shell, {
        CREDKIT_INSTALL_FROM: `file://${RELEASE_DIR}`,
        CREDKIT_INSTALL_DIR: dir,
        CREDKIT_INSTALL_TARGET: "linux-arm64",
        PATH: `${dir}:${process.env.PATH}`,
      });
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(fs.readdirSync(dir), ["credkit"]);
      assert.ok(sameBytes(join(dir, "credkit"), releaseFile("credkit-linux-arm64")));
      assert.doesNotMatch(r.err, /not on your PATH/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  Deno.test(`[${sh}] install.sh refuses a binary with one changed byte and installs nothing`, async () => {
    const from = releaseCopy({
      [HOST_FILE]: (bytes) => {
        const changed = Buffer.from(bytes);
        const at = Math.floor(changed.length / 2);
        changed[at] = changed[at] ^ 0x01;
        return changed;
      },
    });
    const dir = tempDir("bin");
    const fresh = join(tempDir("fresh"), "bin");
    try {
      fs.writeFileSync(join(dir, "credkit"), "an older credkit\n", { mode: 0o755 });
      const r = await install(shell, { CREDKIT_INSTALL_FROM: from, CREDKIT_INSTALL_DIR: dir });
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.err,
        new RegExp(
          `^credkit install: checksum mismatch for ${HOST_FILE}: .*nothing installed`,
          "m",
        ),
      );
      assert.deepEqual(fs.readdirSync(dir), ["credkit"], "no temporary file left behind");
      assert.equal(fs.readFileSync(join(dir, "credkit"), "utf8"), "an older credkit\n");

      // A directory named credkit is never moved into.
      const blocked = tempDir("bin");
      fs.mkdirSync(join(blocked, "credkit"));
      const into = await install(shell, {
        CREDKIT_INSTALL_FROM: RELEASE_DIR,
        CREDKIT_INSTALL_DIR: blocked,
      });
      assert.equal(into.code, 1, into.err);
      assert.match(into.err, /credkit is a directory; .*nothing installed/);
      assert.deepEqual(fs.readdirSync(join(blocked, "credkit")), []);
      assert.deepEqual(fs.readdirSync(blocked), ["credkit"]);
      fs.rmSync(blocked, { recursive: true });

      // Into a directory that does not exist yet: it is not even created.
      const again = await install(shell, {
        CREDKIT_INSTALL_FROM: from,
        CREDKIT_INSTALL_DIR: fresh,
      });
      assert.equal(again.code, 1, again.err);
      assert.ok(!fs.existsSync(fresh), "nothing installed");
    } finally {
      for (const d of [from, dir, join(fresh, "..")]) {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });
}

Deno.test("install.sh over HTTP (curl, or wget) installs and verifies; SHA256SUMS without the file is refused", async () => {
  const served = new Map<string, string>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const name = new URL(req.url).pathname.slice(1);
    const path = join(RELEASE_DIR, name);
    if (served.has(name)) return new Response(served.get(name));
    if (!/^[\w.-]+$/.test(name) || !fs.existsSync(path)) {
      return new Response("not found", { status: 404 });
    }
    return new Response(Deno.readFileSync(path));
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const dir = tempDir("bin");
  try {
    const r = await install(["dash"], { CREDKIT_INSTALL_FROM: base, CREDKIT_INSTALL_DIR: dir });
    assert.equal(r.code, 0, r.err);
    assert.ok(sameBytes(join(dir, "credkit"), releaseFile(HOST_FILE)));

    fs.rmSync(join(dir, "credkit"));
    const sums = fs.readFileSync(releaseFile("SHA256SUMS"), "utf8");
    const withoutHost = sums.split("\n").filter((l) => !l.endsWith(HOST_FILE)).join("\n");
    served.set("SHA256SUMS", withoutHost);
    const refused = await install(["dash"], {
      CREDKIT_INSTALL_FROM: base,
      CREDKIT_INSTALL_DIR: dir,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`no line for ${HOST_FILE}; nothing installed`));
    assert.deepEqual(fs.readdirSync(dir), []);

    // Without curl: wget; without sha256sum: shasum, then openssl.
    served.delete("SHA256SUMS");
    const tools = tempDir("tools");
    const common = ["uname", "mktemp", "cut", "awk", "tr", "cp", "chmod", "mv", "rm", "mkdir"];
    for (
      const [label, pick] of [
        ["wget + shasum", ["wget", "shasum", "perl"]],
        ["wget + openssl", ["wget", "openssl"]],
      ] as const
    ) {
      fs.rmSync(tools, { recursive: true, force: true });
      fs.mkdirSync(tools);
      for (const tool of [...common, ...pick, "grep", "ldd"]) {
        const found = ["/usr/bin", "/bin"].map((d) => join(d, tool)).find((p) => fs.existsSync(p));
        assert.ok(found, `${tool} is not installed`);
        fs.symlinkSync(found, join(tools, tool));
      }
      const r = await install(["/usr/bin/dash"], {
        CREDKIT_INSTALL_FROM: base,
        CREDKIT_INSTALL_DIR: dir,
        PATH: tools,
      });
      assert.equal(r.code, 0, `${label}: ${r.err}`);
      assert.ok(sameBytes(join(dir, "credkit"), releaseFile(HOST_FILE)), label);
      fs.rmSync(join(dir, "credkit"));
    }
    fs.rmSync(tools, { recursive: true, force: true });

    const plain = await install(["dash"], {
      CREDKIT_INSTALL_FROM: "http://example.invalid/download",
      CREDKIT_INSTALL_DIR: dir,
    });
    assert.equal(plain.code, 1);
    assert.match(plain.err, /refusing plain http:\/\//);
  } finally {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("install.sh is POSIX sh: dash, sh and bash --posix parse it", async () => {
  for (const shell of [["dash"], ["sh"], ["bash", "--posix"]]) {
    const r = await runProcess([...shell, "-n", releaseFile("install.sh")], {});
    assert.equal(r.code, 0, `${shell.join(" ")} -n: ${r.err}`);
  }
  assert.match(fs.readFileSync(releaseFile("install.sh"), "utf8"), /^#!\/bin\/sh\n/);
});
