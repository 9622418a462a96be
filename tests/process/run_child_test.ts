/**
 * Tests of `runChild`: in-process (streams injected) and, for signals,
 * process groups and real stdio, through `tests/supervise/fixtures/run_driver.ts` started as
 * a separate process under Deno and under Bun.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { concatBytes } from "../../src/bytes.ts";
import { exitCodeOf } from "../../src/process/launch.ts";
import { runChild } from "../../src/process/run_child.ts";
import { DEFAULT_PATH, resolveCommand } from "../../src/process/resolve_command.ts";
import { assertNoSecrets } from "../_helpers.ts";
import {
  assertNoOrphans,
  type MakeCommand,
  registerRunCases,
  startRun,
} from "../supervise/_run_cases.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DRIVER = join(ROOT, "tests", "supervise", "fixtures", "run_driver.ts");
const DENO = join(ROOT, "node_modules", ".bin", "deno");
const BUN = join(ROOT, "node_modules", ".bin", "bun");

function modeFlags(mode?: string): string[] {
  return mode === "inherit" ? ["--no-mask"] : mode === "mcp" ? ["--mcp"] : [];
}

const viaDeno: MakeCommand = (args, o) => [
  DENO,
  "run",
  "-A",
  DRIVER,
  "run",
  ...modeFlags(o?.mode),
  "--",
  ...args,
];
const viaBun: MakeCommand = (args, o) => [BUN, DRIVER, "run", ...modeFlags(o?.mode), "--", ...args];

registerRunCases("run (deno)", viaDeno);
if (fs.existsSync(BUN)) registerRunCases("run (bun)", viaBun);

/**
 * The driver compiled with `bun build --compile`, as `dist/credkit` is, so the
 * cases also run where Bun's compiled runtime differs from `bun file.ts`.
 */
function compiledDriver(): string | null {
  if (!fs.existsSync(BUN)) return null;
  const dir = Deno.makeTempDirSync({ prefix: "credkit-run-driver-" });
  const bin = join(dir, "run_driver");
  globalThis.addEventListener("unload", () => fs.rmSync(dir, { recursive: true, force: true }));
  const built = new Deno.Command(BUN, {
    args: ["build", "--compile", DRIVER, "--outfile", bin],
    stdout: "null",
    stderr: "piped",
  }).outputSync();
  if (!built.success) {
    console.error(`cannot compile the run driver: ${new TextDecoder().decode(built.stderr)}`);
    return null;
  }
  return bin;
}
const compiled = compiledDriver();
if (compiled) {
  registerRunCases("run (bun compiled)", (args, o) => [
    compiled,
    "run",
    ...modeFlags(o?.mode),
    "--",
    ...args,
  ]);
}

// ---------------------------------------------------------------------------
// Driver-only cases (options the binary does not have).

for (const [label, make] of [["deno", viaDeno], ["bun", viaBun]] as const) {
  if (label === "bun" && !fs.existsSync(BUN)) continue;

  Deno.test(`run (${label}): a SIGTERM the child ignores is followed by SIGKILL after the grace`, async () => {
    const tmp = Deno.makeTempDirSync();
    const marker = `credkit-run-case-${crypto.randomUUID()}`;
    const ctx = {
      makeCommand: ((args) => {
        const argv = make(args);
        const at = argv.indexOf("--");
        return [...argv.slice(0, at), "--kill-grace", "300", ...argv.slice(at)];
      }) as MakeCommand,
      env: {
        ...Deno.env.toObject(),
        PIDS_FILE: join(tmp, "pids"),
        CREDKIT_RUN_CASE_MARK: marker,
        RUN_DRIVER_LOG_SIGNALS: "1",
      },
      tmp,
      pidsFile: join(tmp, "pids"),
    };
    try {
      const r = startRun(ctx, [
        "sh",
        "-c",
        'trap "" TERM; echo $$ >> "$PIDS_FILE"; sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait',
      ]);
      await r.waitForOut("ready\n");
      const t0 = Date.now();
      r.signal("SIGTERM");
      assert.equal(await r.status, 137);
      await r.drained;
      const waited = Date.now() - t0;
      assert.ok(waited >= 250 && waited < 3000, `killed after ${waited} ms`);
      assert.match(r.err(), /sent SIGTERM to group \d+\n.*sent SIGKILL to group \d+\n/s);
      await assertNoOrphans(ctx.pidsFile, marker);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  Deno.test(`run (${label}): a signal ignored at start (nohup) is not forwarded`, async () => {
    const tmp = Deno.makeTempDirSync();
    const marker = `credkit-run-case-${crypto.randomUUID()}`;
    const ctx = {
      // `trap "" HUP` before exec: the driver starts with SIGHUP ignored.
      makeCommand: ((args) => [
        "sh",
        "-c",
        'trap "" HUP; exec "$@"',
        "sh",
        ...make(args),
      ]) as MakeCommand,
      env: {
        ...Deno.env.toObject(),
        PIDS_FILE: join(tmp, "pids"),
        CREDKIT_RUN_CASE_MARK: marker,
        RUN_DRIVER_LOG_SIGNALS: "1",
      },
      tmp,
      pidsFile: join(tmp, "pids"),
    };
    try {
      const r = startRun(ctx, [
        "sh",
        "-c",
        'trap "echo got-hup" HUP; trap "exit 4" TERM; echo $$ >> "$PIDS_FILE"; echo ready; ' +
        "while :; do sleep 0.05; done",
      ]);
      await r.waitForOut("ready\n");
      await new Promise((res) => setTimeout(res, 200)); // let the driver install its handlers
      r.signal("SIGHUP");
      await new Promise((res) => setTimeout(res, 300));
      r.signal("SIGTERM");
      assert.equal(await r.status, 4);
      await r.drained;
      assert.ok(!r.out().includes("got-hup"), "SIGHUP reached the child");
      assert.ok(!r.err().includes("SIGHUP"), r.err());
      await assertNoOrphans(ctx.pidsFile, marker);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}

// ---------------------------------------------------------------------------
// In-process tests with injected streams.

/** A Writable that collects what it receives. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: Uint8Array[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, text: () => new TextDecoder().decode(concatBytes(chunks)) };
}

const ENV = { PATH: Deno.env.get("PATH") ?? DEFAULT_PATH };
const SECRET = "sk_inprocess_Secret_42x";

Deno.test("runChild masks stdout and stderr into injected streams", async () => {
  const out = sink();
  const err = sink();
  const code = await runChild({
    command: "sh",
    args: ["-c", 'printf "a %s b\\n" "$T"; printf "%s" "$T" >&2; exit 5'],
    env: { ...ENV, T: SECRET },
    secrets: [SECRET],
    mode: "mask",
    stdout: out.stream,
    stderr: err.stream,
  });
  assert.equal(code, 5);
  assert.equal(out.text(), "a **** b\n");
  assert.equal(err.text(), "****");
  assertNoSecrets(out.text() + err.text(), [SECRET]);
});

Deno.test("runChild gives the child exactly the env it is given", async () => {
  const out = sink();
  const code = await runChild({
    command: "env",
    args: [],
    env: { PATH: ENV.PATH, ONLY_THIS: "1" },
    secrets: [],
    mode: "mask",
    stdout: out.stream,
  });
  assert.equal(code, 0);
  const names = out.text().trim().split("\n").map((l) => l.split("=")[0]).sort();
  assert.deepEqual(names, ["ONLY_THIS", "PATH"]);
});

Deno.test("runChild pipes an injected stdin, EOF included", async () => {
  const out = sink();
  const code = await runChild({
    command: "cat",
    args: [],
    env: ENV,
    secrets: [SECRET],
    mode: "mask",
    stdin: Readable.from([new TextEncoder().encode("one "), new TextEncoder().encode(SECRET)]),
    stdout: out.stream,
  });
  assert.equal(code, 0);
  assert.equal(out.text(), "one ****");
});

Deno.test("runChild runs the child in its own process group and session", async () => {
  const out = sink();
  let spawned = 0;
  const code = await runChild({
    command: "sh",
    args: ["-c", "ps -o pid=,pgid=,sid= -p $$"],
    env: ENV,
    secrets: [],
    mode: "mask",
    stdout: out.stream,
    onSpawn: (pid) => (spawned = pid),
  });
  assert.equal(code, 0);
  const [pid, pgid, sid] = out.text().trim().split(/\s+/).map(Number);
  assert.equal(pid, spawned);
  assert.equal(pgid, pid);
  assert.equal(sid, pid);
});

Deno.test("runChild uses the working directory and passes argv[0] as typed", async () => {
  const out = sink();
  const dir = Deno.makeTempDirSync();
  try {
    const code = await runChild({
      command: "sh",
      args: ["-c", 'echo "$0 $(pwd -P)"'],
      env: ENV,
      secrets: [],
      mode: "mask",
      cwd: dir,
      stdout: out.stream,
    });
    assert.equal(code, 0);
    assert.equal(out.text(), `sh ${fs.realpathSync(dir)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

Deno.test("runChild in inherit mode with injected streams relays unmasked", async () => {
  const out = sink();
  const code = await runChild({
    command: "sh",
    args: ["-c", 'echo "$T"'],
    env: { ...ENV, T: SECRET },
    secrets: [SECRET],
    mode: "inherit",
    stdout: out.stream,
    stderr: sink().stream,
  });
  assert.equal(code, 0);
  assert.equal(out.text(), SECRET + "\n");
});

Deno.test("runChild in mcp mode relays whole JSON messages", async () => {
  const out = sink();
  const code = await runChild({
    command: "sh",
    args: ["-c", `printf '{"id":1,"v":"abc'; sleep 0.1; printf 'def123"}\\n'`],
    env: ENV,
    secrets: ["abcdef123"],
    mode: "mcp",
    stdout: out.stream,
  });
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out.text()), { id: 1, v: "****" });
});

Deno.test("runChild reports a missing command without a secret in the message", async () => {
  const err = sink();
  const code = await runChild({
    command: "no-such-cmd-" + SECRET,
    args: [],
    env: { PATH: "/nonexistent-a:/nonexistent-b" },
    secrets: [SECRET],
    mode: "mask",
    stderr: err.stream,
  });
  assert.equal(code, 127);
  assert.equal(
    err.text(),
    "credkit: cannot run no-such-cmd-****: command not found in PATH=/nonexistent-a:/nonexistent-b\n",
  );
});

Deno.test("runChild reports a missing working directory", async () => {
  const err = sink();
  const code = await runChild({
    command: "true",
    args: [],
    env: ENV,
    secrets: [],
    mode: "mask",
    cwd: "/nonexistent-credkit-dir",
    stderr: err.stream,
  });
  assert.equal(code, 126);
  assert.match(err.text(), /^credkit: cannot run true: working directory .* does not exist\n$/);
});

Deno.test("runChild: a file with x bit but no interpreter is 126", async () => {
  const dir = Deno.makeTempDirSync();
  const file = join(dir, "bad");
  fs.writeFileSync(file, "#!/nonexistent/interpreter\n", { mode: 0o755 });
  const err = sink();
  try {
    const code = await runChild({
      command: file,
      args: [],
      env: ENV,
      secrets: [],
      mode: "mask",
      stderr: err.stream,
      stdout: sink().stream,
    });
    assert.equal(code, 126);
    assert.match(err.text(), /^credkit: cannot run .*bad: /);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

Deno.test("runChild flushes output written just before exit, in order", async () => {
  const out = sink();
  const code = await runChild({
    command: "sh",
    args: [
      "-c",
      `i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; printf "x${
        SECRET.slice(0, 5)
      }"`,
    ],
    env: ENV,
    secrets: [SECRET],
    mode: "mask",
    stdout: out.stream,
  });
  assert.equal(code, 0);
  const lines = out.text().split("\n");
  assert.equal(lines.length, 2001);
  assert.equal(lines[1999], "line 1999");
  assert.equal(lines[2000], "x" + SECRET.slice(0, 5));
});

Deno.test("runChild: a slow injected stdout pauses the child (backpressure)", async () => {
  let received = 0;
  let maxBuffered = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk, _enc, cb) {
      received += chunk.length;
      maxBuffered = Math.max(maxBuffered, slow.writableLength);
      gate.then(() => cb());
    },
  });
  const run = runChild({
    command: "head",
    args: ["-c", String(64 * 1024 * 1024), "/dev/zero"],
    env: ENV,
    secrets: [SECRET],
    mode: "mask",
    stdout: slow,
  });
  await new Promise((r) => setTimeout(r, 500));
  // Stalled: at most a few chunks were accepted while the sink did not drain.
  assert.ok(maxBuffered < 2 * 1024 * 1024, `buffered ${maxBuffered} bytes`);
  release();
  assert.equal(await run, 0);
  assert.equal(received, 64 * 1024 * 1024);
});

Deno.test("runChild: a broken injected stdout closes the child's pipe", async () => {
  let writes = 0;
  const failing = new Writable({
    write(_chunk, _enc, cb) {
      writes++;
      const err = new Error("write EPIPE") as Error & { code: string };
      err.code = "EPIPE";
      cb(err);
    },
  });
  failing.on("error", () => {});
  const code = await runChild({
    command: "yes",
    args: [],
    env: ENV,
    secrets: [],
    mode: "mask",
    stdout: failing,
  });
  assert.equal(code, 141);
  assert.ok(writes >= 1);
});

Deno.test("runChild does not wait for a process that left the group but holds stdout", async () => {
  const dir = Deno.makeTempDirSync();
  const pidFile = join(dir, "escaped.pid");
  try {
    const t0 = Date.now();
    const code = await runChild({
      command: "sh",
      args: ["-c", `setsid sleep 30 & echo $! > "${pidFile}"; echo started`],
      env: ENV,
      secrets: [],
      mode: "mask",
      stdout: sink().stream,
      stderr: sink().stream,
    });
    const took = Date.now() - t0;
    assert.equal(code, 0);
    assert.ok(took < 3000, `waited ${took} ms for the escaped process`);
  } finally {
    try {
      Deno.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGKILL");
    } catch {
      // not started or gone
    }
    fs.rmSync(dir, { recursive: true });
  }
});

Deno.test("resolveCommand follows PATH, reports what it searched", () => {
  const dir = Deno.makeTempDirSync();
  try {
    fs.writeFileSync(join(dir, "tool"), "#!/bin/sh\n", { mode: 0o755 });
    fs.chmodSync(join(dir, "tool"), 0o755);
    fs.writeFileSync(join(dir, "plain"), "x", { mode: 0o644 });
    fs.chmodSync(join(dir, "plain"), 0o644);
    fs.mkdirSync(join(dir, "sub"));
    assert.deepEqual(resolveCommand("tool", { PATH: `/nonexistent:${dir}` }, "/"), {
      ok: true,
      path: join(dir, "tool"),
    });
    assert.deepEqual(resolveCommand("tool", { PATH: "" }, dir), {
      ok: true,
      path: join(dir, "tool"),
    });
    assert.deepEqual(resolveCommand("plain", { PATH: dir }, "/"), {
      ok: false,
      reason: "permission_denied",
      searched: dir,
    });
    assert.deepEqual(resolveCommand("sub", { PATH: dir }, "/"), {
      ok: false,
      reason: "not_found",
      searched: dir,
    });
    assert.deepEqual(resolveCommand("./tool", {}, dir), { ok: true, path: join(dir, "tool") });
    assert.deepEqual(resolveCommand("./sub", {}, dir), { ok: false, reason: "is_directory" });
    assert.deepEqual(resolveCommand("./nope", {}, dir), { ok: false, reason: "not_found" });
    assert.deepEqual(resolveCommand("nope", {}, dir), {
      ok: false,
      reason: "not_found",
      searched: DEFAULT_PATH,
    });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

Deno.test("exitCodeOf maps codes and signals", () => {
  assert.equal(exitCodeOf(0, null), 0);
  assert.equal(exitCodeOf(42, null), 42);
  assert.equal(exitCodeOf(null, "SIGKILL"), 137);
  assert.equal(exitCodeOf(null, "SIGTERM"), 143);
  assert.equal(exitCodeOf(null, "SIGINT"), 130);
  assert.equal(exitCodeOf(null, null), 1);
});
