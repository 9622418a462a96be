/**
 * Bad input and unsafe targets, through the CLI of every runtime: refused
 * with exit 2 (or the documented code), nothing stored or written, and no
 * secret echoed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import { credkit, type Runtime, runtimes, tempHome } from "./_runtimes.ts";

const SECRET = ["ghp", "BADINPUTsecretValue0123456789abcdef"].join("_");

function fileEnv(home: string): Record<string, string | undefined> {
  return { CREDKIT_HOME: home, CREDKIT_STORE: "file", CI: "true" };
}

function stored(home: string): string {
  const file = join(home, "credentials.json");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

const PTY_CTRL_C = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
end = time.time() + 15
while time.time() < end and b": " not in out:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        out += os.read(fd, 4096)
os.write(fd, b"abc")
time.sleep(0.2)
os.write(fd, b"\\x03")
_, status = os.waitpid(pid, 0)
try:
    while True:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r: break
        d = os.read(fd, 4096)
        if not d: break
        out += d
except OSError:
    pass
sys.stdout.write(out.decode("utf-8", "replace") + "\\nexit %d\\n" % os.waitstatus_to_exitcode(status))
`;

function hasPythonPty(): boolean {
  return spawnSync("python3", ["-c", "import pty"]).status === 0;
}

for (const rt of runtimes()) {
  const t = (name: string, fn: () => Promise<void>) =>
    Deno.test({ name: `[${rt.name}] ${name}`, fn, sanitizeResources: false });

  t("show __proto__, constructor, toString: unknown service, exit 2", async () => {
    const home = tempHome();
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const r = await credkit(rt, ["show", name], { env: fileEnv(home) });
      assert.equal(r.code, 2, `${name}: ${r.err}`);
      assert.match(r.err, /^credkit: Unknown service/);
      assert.doesNotMatch(r.err, /unexpected error/);
      const g = await credkit(rt, ["get", `github.${name}`], { env: fileEnv(home) });
      assert.equal(g.code, 2, `get github.${name}: ${g.err}`);
    }
  });

  t("add --stdin: a line naming an unknown field (constructor=…) is refused", async () => {
    const home = tempHome();
    for (const service of ["storacha", "aws"]) {
      const r = await credkit(rt, ["add", service, "--stdin"], {
        env: fileEnv(home),
        stdin: "constructor=abc\n",
      });
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /Unknown field "constructor"/);
    }
    assert.equal(stored(home), "");
  });

  t("add --stdin: bytes that are not UTF-8 are refused, nothing stored", async () => {
    const home = tempHome();
    const bytes = new Uint8Array([...new TextEncoder().encode("hf_abc"), 0xff, 0xfe, 0x41]);
    const r = await credkit(rt, ["add", "huggingface", "--stdin"], {
      env: fileEnv(home),
      stdin: bytes,
    });
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /not valid UTF-8/);
    assert.equal(stored(home), "");
  });

  t("a secret typed as an argument is never echoed", async () => {
    const home = tempHome();
    for (
      const argv of [
        ["add", "github", SECRET],
        ["get", "github.token", SECRET],
        ["doctor", SECRET],
        ["show", SECRET],
        ["rm", "github", SECRET],
      ]
    ) {
      const r = await credkit(rt, argv, { env: fileEnv(home) });
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.err}`);
      assert.ok(!(r.out + r.err).includes(SECRET), `${argv[0]} echoed the argument: ${r.err}`);
    }
  });

  t("extra positionals, --file '' and a FIFO as --file are refused with exit 2", async () => {
    const home = tempHome();
    for (const argv of [["doctor", "extra"], ["list", "extra"], ["get", "a.b", "c"]]) {
      const r = await credkit(rt, argv, { env: fileEnv(home) });
      assert.equal(r.code, 2, `${argv.join(" ")}: ${r.err}`);
      assert.match(r.err, /Too many arguments|Invalid reference/);
    }
    const empty = await credkit(rt, ["show", "--file", ""], { env: fileEnv(home) });
    assert.equal(empty.code, 2, empty.err);
    assert.match(empty.err, /Invalid --file: it is empty/);
    const fifo = join(home, "fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    const f = await credkit(rt, ["show", "--file", fifo], { env: fileEnv(home), timeoutMs: 15000 });
    assert.equal(f.signal, null, "credkit hung on the FIFO");
    assert.equal(f.code, 2, f.err);
    assert.match(f.err, /not a regular file/);
  });

  t("export never writes through a symbolic link; --output needs --force", async () => {
    const home = tempHome();
    const env = { ...fileEnv(home), GITHUB_TOKEN: SECRET };
    const target = join(home, "target.txt");
    fs.writeFileSync(target, "original\n", { mode: 0o644 });
    const link = join(home, "link.env");
    fs.symlinkSync(target, link);
    for (
      const argv of [
        ["export", "github", "--format", "github", "--output", link],
        ["export", "github", "--format", "github", "--output", link, "--force"],
        ["export", "github", "--format", "dotenv", "--output", link, "--force"],
        ["export", "github", "--format", "shell", "--output", link],
      ]
    ) {
      const r = await credkit(rt, argv, { env });
      assert.notEqual(r.code, 0, `${argv.join(" ")} succeeded`);
      assert.match(r.err, /symbolic link/);
      assert.ok(!(r.out + r.err).includes(SECRET), "a refused export printed the secret");
    }
    assert.equal(fs.readFileSync(target, "utf8"), "original\n");
    // An existing regular file needs --force for every format, github included.
    const existing = join(home, "github_env");
    fs.writeFileSync(existing, "A=1\n", { mode: 0o600 });
    const refused = await credkit(rt, [
      "export",
      "github",
      "--format",
      "github",
      "--output",
      existing,
    ], { env });
    assert.equal(refused.code, 1, refused.err);
    assert.match(refused.err, /Refusing to overwrite .*use --force/);
    assert.equal(fs.readFileSync(existing, "utf8"), "A=1\n");
    // $GITHUB_ENV (the runner's own file) is appended to, through no link.
    const viaEnv = await credkit(rt, ["export", "github", "--format", "github"], {
      env: { ...env, GITHUB_ENV: existing },
    });
    assert.equal(viaEnv.code, 0, viaEnv.err);
    assert.match(fs.readFileSync(existing, "utf8"), /^A=1\nGITHUB_TOKEN/);
    const linked = await credkit(rt, ["export", "github", "--format", "github"], {
      env: { ...env, GITHUB_ENV: link },
    });
    assert.notEqual(linked.code, 0, "appended through a link named by GITHUB_ENV");
    assert.equal(fs.readFileSync(target, "utf8"), "original\n");
  });

  t("Ctrl-C at the hidden prompt exits 130 quietly and restores the terminal", async () => {
    if (!hasPythonPty()) {
      console.error("skipped: python3 with pty is not available");
      return;
    }
    const home = tempHome();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...Deno.env.toObject(), ...fileEnv(home) })) {
      if (v !== undefined && k !== "CI") env[k] = v;
    }
    const out = await new Deno.Command("python3", {
      args: ["-c", PTY_CTRL_C, ...rt.argv, "add", "storacha"],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const transcript = new TextDecoder().decode(out.stdout);
    assert.ok(transcript.endsWith("\nexit 130\n"), transcript);
    assert.doesNotMatch(transcript, /unexpected error|interrupted/i);
    assert.ok(!transcript.includes("abc"), "the hidden answer was echoed");
    assert.equal(stored(home), "");
  });
}

export type { Runtime };
