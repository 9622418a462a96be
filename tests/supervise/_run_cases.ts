/**
 * The `credkit run` behaviour cases, independent of what launches them: each
 * case gets a `makeCommand` that turns `CMD ARGS…` into the argv of a
 * "credkit run"-like process (the test driver under Deno or Bun, or the
 * compiled binary), starts it as a user would, and checks exit codes, output,
 * signals and that nothing the child started is left running.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { assertNoSecrets } from "../_helpers.ts";

/** How the launched process treats the child's stdio. */
export type RunCaseMode = "mask" | "mcp" | "inherit";

/**
 * Builds the argv of a "credkit run"-like process for `CMD ARGS…`, e.g.
 * `["dist/credkit", "run", "--no-mask", "--", ...args]` for mode `inherit`.
 */
export type MakeCommand = (args: string[], options?: { mode?: RunCaseMode }) => string[];

/** The secret the cases put in `HF_TOKEN`; it must never appear in masked output. */
export const SECRET = "hf_RunCaseSecret_7Qx9Lm2Pz";

/** Everything a case needs. */
export interface RunCaseContext {
  makeCommand: MakeCommand;
  /** Environment of the launched process (includes `HF_TOKEN`, `PIDS_FILE`). */
  env: Record<string, string>;
  /** A scratch directory for this case. */
  tmp: string;
  /** File where child scripts append the pids they want checked. */
  pidsFile: string;
}

/** One case. */
export interface RunCase {
  name: string;
  fn: (ctx: RunCaseContext) => Promise<void>;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Signal numbers on Linux, for decoding statuses. */
const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Signals whose disposition the launched process starts with at default. */
const DEFAULT_SIGNALS = "INT,TERM,HUP,QUIT,USR1,USR2,ALRM,TSTP,TTIN,TTOU,CONT,WINCH";

/** Whether `env --default-signal` exists (coreutils ≥ 8.31). */
let defaultSignalEnv: boolean | undefined;
function envDefaultSignalWorks(): boolean {
  if (defaultSignalEnv === undefined) {
    try {
      const out = new Deno.Command("env", {
        args: [`--default-signal=${DEFAULT_SIGNALS}`, "true"],
        stdout: "null",
        stderr: "null",
      }).outputSync();
      defaultSignalEnv = out.success;
    } catch {
      defaultSignalEnv = false;
    }
  }
  return defaultSignalEnv;
}

/** A started "credkit run"-like process with its output being collected. */
export interface Running {
  pid: number;
  process: Deno.ChildProcess;
  /** stdout and stderr so far. */
  out: () => string;
  err: () => string;
  outBytes: () => number;
  /** Resolves when `text` has appeared on stdout (rejects after `timeoutMs`). */
  waitForOut: (text: string, timeoutMs?: number) => Promise<void>;
  /** Sends a signal to the launched process only (as `kill PID` would). */
  signal: (sig: Deno.Signal) => void;
  /** Stops reading stdout and closes it (the reader goes away). */
  closeStdout: () => Promise<void>;
  /** Exit code: the code, or 128+N when killed by signal N. */
  status: Promise<number>;
  /** Resolves when both output streams are fully read. */
  drained: Promise<void>;
}

/** Options of {@link startRun}. */
export interface StartRunOptions {
  mode?: RunCaseMode;
  /** Give the process a stdin pipe (else /dev/null). */
  stdin?: boolean;
  /** Do not read stdout at all until {@link Running.closeStdout} (for backpressure). */
  holdStdout?: boolean;
  /** Collect stdout in memory (default true); else only count and hash it. */
  collectStdout?: boolean;
  onStdoutChunk?: (chunk: Uint8Array) => void;
}

/**
 * Starts `makeCommand(args)` with `ctx.env` (signal dispositions reset to
 * default where `env --default-signal` is available, so the launching
 * environment cannot mask the signal cases).
 *
 * @example
 * ```ts
 * const r = startRun(ctx, ["sh", "-c", "exit 3"]);
 * await r.status; // 3
 * ```
 */
export function startRun(
  ctx: RunCaseContext,
  args: string[],
  options: StartRunOptions = {},
): Running {
  let argv = ctx.makeCommand(args, { mode: options.mode ?? "mask" });
  if (envDefaultSignalWorks()) argv = ["env", `--default-signal=${DEFAULT_SIGNALS}`, ...argv];
  const proc = new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: ctx.env,
    clearEnv: true,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  let outBytes = 0;
  const waiters: { text: string; resolve: () => void }[] = [];
  const collect = options.collectStdout ?? true;
  const stdoutReader = proc.stdout.getReader();
  let releaseHold!: () => void;
  const hold = options.holdStdout ? new Promise<void>((r) => (releaseHold = r)) : null;
  let stopReading = false;
  const readOut = (async () => {
    if (hold) await hold;
    const outDecoder = new TextDecoder();
    while (!stopReading) {
      const { value, done } = await stdoutReader.read().catch(() => ({
        value: undefined,
        done: true,
      }));
      if (done || !value) break;
      outBytes += value.length;
      options.onStdoutChunk?.(value);
      if (collect) {
        out += outDecoder.decode(value, { stream: true });
        for (const w of [...waiters]) {
          if (out.includes(w.text)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    }
  })();
  const readErr = (async () => {
    const errDecoder = new TextDecoder();
    for await (const chunk of proc.stderr) err += errDecoder.decode(chunk, { stream: true });
  })();
  const status = proc.status.then((s) => s.signal ? 128 + (SIGNALS[s.signal] ?? 0) : s.code);
  return {
    pid: proc.pid,
    process: proc,
    out: () => out,
    err: () => err,
    outBytes: () => outBytes,
    waitForOut: (text, timeoutMs = 10_000) => {
      if (out.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${JSON.stringify(text)} on stdout`)),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    signal: (sig) => Deno.kill(proc.pid, sig),
    closeStdout: async () => {
      stopReading = true;
      releaseHold?.();
      await stdoutReader.cancel().catch(() => {});
    },
    status,
    drained: Promise.all([readOut, readErr]).then(() => {}),
  };
}

/** Linux process state of `pid` ("Z" for a zombie), or null when it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return null;
  }
}

/** Live (non-zombie) pids whose environment carries `marker`. */
function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return found;
  }
  const needle = encoder.encode(marker);
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === Deno.pid) continue;
    let environ: Uint8Array;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (indexOf(environ, needle) === -1) continue;
    const state = processState(pid);
    if (state !== null && state !== "Z") found.push(pid);
  }
  return found;
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Asserts that none of the pids recorded in `pidsFile`, and no process
 * carrying `marker` in its environment, is still running (zombies count as
 * gone). Waits up to `graceMs` for processes that are being killed.
 *
 * @example
 * ```ts
 * await assertNoOrphans(ctx.pidsFile, ctx.env.CREDKIT_RUN_CASE_MARK);
 * ```
 */
export async function assertNoOrphans(pidsFile: string, marker: string, graceMs = 1500) {
  let pids: number[] = [];
  try {
    pids = fs.readFileSync(pidsFile, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // the case recorded none
  }
  const deadline = Date.now() + graceMs;
  for (;;) {
    const alive = [
      ...pids.filter((p) => {
        const s = processState(p);
        return s !== null && s !== "Z";
      }),
      ...markedProcesses(marker),
    ];
    if (alive.length === 0) return;
    if (Date.now() > deadline) {
      const detail = alive.map((p) => {
        try {
          return `${p}: ${fs.readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ")}`;
        } catch {
          return `${p}`;
        }
      });
      // Clean up so one failure does not leak into the next case.
      for (const p of alive) {
        try {
          Deno.kill(p, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      throw new Error(`processes outlived the run: ${detail.join("; ")}`);
    }
    await sleep(50);
  }
}

/** Kills every process still carrying `marker` (cleanup after a failed case). */
function killMarked(marker: string): void {
  for (const p of markedProcesses(marker)) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Runs argv on a new pseudo-terminal (python3's `pty`), waits for `ready`,
 * types `hello⏎`, waits for `got:hello`, presses Ctrl-C, and prints the
 * transcript followed by `exit N`.
 */
const PTY_SCRIPT = `
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
def until(s, timeout=10):
    global out
    end = time.time() + timeout
    while time.time() < end and s not in out:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
until(b"ready")
os.write(fd, b"hello\\n")
until(b"got:hello")
time.sleep(0.2)
os.write(fd, b"\\x03")
_, status = os.waitpid(pid, 0)
until(b"\\0", 0.2)
sys.stdout.write(out.decode("utf-8", "replace") + "\\nexit %d\\n" % os.waitstatus_to_exitcode(status))
`;

/**
 * An interactive shell's job control, in python3: runs argv as the foreground
 * job of a new pseudo-terminal, waits for `ready`, presses Ctrl-Z, reports
 * the state of the job and of the pids in `$PIDS_FILE` ("T" = stopped), runs
 * `fg` (the job gets the terminal back and SIGCONT), reports the states
 * again, presses Ctrl-C and prints `exit N`.
 */
const PTY_JOB_CONTROL_SCRIPT = `
import os, pty, sys, time, select, signal, re
def state(pid):
    try:
        s = open("/proc/%d/stat" % pid).read()
        return s[s.rindex(")") + 2:].split(" ")[0]
    except OSError:
        return "gone"
def pids():
    try:
        return [int(p) for p in open(os.environ["PIDS_FILE"]).read().split()]
    except OSError:
        return []
pid, fd = pty.fork()
if pid == 0:
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    signal.signal(signal.SIGTSTP, signal.SIG_IGN)
    job = os.fork()
    if job == 0:
        os.setpgid(0, 0)
        os.tcsetpgrp(0, os.getpid())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.execvp(sys.argv[1], sys.argv[1:])
    try:
        os.setpgid(job, job)
    except OSError:
        pass
    os.tcsetpgrp(0, job)
    _, st = os.waitpid(job, os.WUNTRACED)
    os.tcsetpgrp(0, os.getpid())
    if not os.WIFSTOPPED(st):
        print("job %d ended before it stopped" % job, flush=True)
        os._exit(1)
    print("job %d stopped" % job, flush=True)
    sys.stdin.readline()
    os.tcsetpgrp(0, job)
    os.killpg(job, signal.SIGCONT)
    _, st = os.waitpid(job, 0)
    os.tcsetpgrp(0, os.getpid())
    print("exit %d" % os.waitstatus_to_exitcode(st), flush=True)
    os._exit(0)
out = b""
def until(pattern, timeout=15):
    global out
    end = time.time() + timeout
    while time.time() < end and not re.search(pattern, out):
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
def settle(pids, want_stopped):
    end = time.time() + 5
    while time.time() < end:
        if all((state(p) == "T") == want_stopped for p in pids):
            return
        time.sleep(0.05)
until(rb"ready")
os.write(fd, b"\\x1a")
until(rb"job \\d+ stopped")
m = re.search(rb"job (\\d+) stopped", out)
job = int(m.group(1)) if m else 0
watched = [job] + pids()
settle(watched, True)
report = "stopped: " + " ".join(state(p) for p in watched) + "\\n"
os.write(fd, b"fg\\n")
settle(watched, False)
report += "continued: " + " ".join(state(p) for p in watched) + "\\n"
time.sleep(0.2)
os.write(fd, b"\\x03")
until(rb"exit -?\\d+")
os.waitpid(pid, 0)
sys.stdout.write(report + out.decode("utf-8", "replace") + "\\n")
`;

function hasPython(): boolean {
  try {
    return new Deno.Command("python3", {
      args: ["-c", "import pty"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** The pids a case recorded in `pidsFile`. */
function recordedPids(pidsFile: string): number[] {
  try {
    return fs.readFileSync(pidsFile, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Polls the states of `pids()` until every one satisfies `ok` (at most 5 s)
 * and returns the last states seen.
 */
async function statesSettle(
  pids: () => number[],
  ok: (state: string | null) => boolean,
): Promise<(string | null)[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const states = pids().map(processState);
    if (states.every(ok) || Date.now() > deadline) return states;
    await sleep(50);
  }
}

/** `sh -c SCRIPT` that first records its own pid. */
function sh(script: string): string[] {
  return ["sh", "-c", `echo $$ >> "$PIDS_FILE"; ${script}`];
}

async function expectCode(ctx: RunCaseContext, args: string[], code: number, stdout?: string) {
  const r = startRun(ctx, args);
  assert.deepEqual(await r.status, code, `stderr: ${r.err()}`);
  await r.drained;
  if (stdout !== undefined) assert.deepEqual(r.out(), stdout);
}

/**
 * The `run` cases. Every case is followed by an orphan check (see
 * {@link registerRunCases}).
 *
 * @example
 * ```ts
 * for (const c of runCases()) console.log(c.name);
 * ```
 */
export function runCases(): RunCase[] {
  return [
    {
      name: "exit code 0 is returned, stdout is only the child's",
      fn: (ctx) => expectCode(ctx, sh("echo hello; exit 0"), 0, "hello\n"),
    },
    {
      name: "exit code 1 is returned",
      fn: (ctx) => expectCode(ctx, sh("exit 1"), 1, ""),
    },
    {
      name: "exit code 42 is returned",
      fn: (ctx) => expectCode(ctx, sh("exit 42"), 42, ""),
    },
    {
      name: "a child killed by SIGKILL gives 137",
      fn: (ctx) => expectCode(ctx, sh("kill -KILL $$"), 137),
    },
    {
      name: "SIGTERM is forwarded; the child's trap decides the code",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh(
            'trap "echo got-term; exit 7" TERM; sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait',
          ),
        );
        await r.waitForOut("ready\n");
        r.signal("SIGTERM");
        assert.deepEqual(await r.status, 7, `stderr: ${r.err()}`);
        await r.drained;
        assert.ok(
          r.out().includes("got-term"),
          `missing ${JSON.stringify("got-term")} in ${JSON.stringify(r.out())}`,
        );
      },
    },
    {
      name: "SIGTERM kills a child that does not trap it: 143",
      fn: async (ctx) => {
        const r = startRun(ctx, sh('sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait'));
        await r.waitForOut("ready\n");
        r.signal("SIGTERM");
        assert.deepEqual(await r.status, 143, `stderr: ${r.err()}`);
      },
    },
    {
      name: "SIGHUP is forwarded",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh(
            'trap "echo got-hup; exit 9" HUP; sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait',
          ),
        );
        await r.waitForOut("ready\n");
        r.signal("SIGHUP");
        assert.deepEqual(await r.status, 9, `stderr: ${r.err()}`);
        await r.drained;
        assert.ok(
          r.out().includes("got-hup"),
          `missing ${JSON.stringify("got-hup")} in ${JSON.stringify(r.out())}`,
        );
      },
    },
    ...([
      ["SIGQUIT", "QUIT", 11],
      ["SIGUSR1", "USR1", 12],
      ["SIGUSR2", "USR2", 13],
      ["SIGALRM", "ALRM", 14],
      ["SIGWINCH", "WINCH", 15],
    ] as const).map(([signal, trap, code]): RunCase => ({
      name: `${signal} is forwarded; the child's trap decides the code`,
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh(
            // No core files from a forwarded SIGQUIT; the sleep bounds a hang.
            `ulimit -c 0; trap "echo got-${trap}; exit ${code}" ${trap}; ` +
              'sleep 30 & echo $! >> "$PIDS_FILE"; echo ready; wait',
          ),
        );
        await r.waitForOut("ready\n");
        r.signal(signal);
        assert.deepEqual(await r.status, code, `stderr: ${r.err()}`);
        await r.drained;
        assert.ok(
          r.out().includes(`got-${trap}`),
          `missing ${JSON.stringify(`got-${trap}`)} in ${JSON.stringify(r.out())}`,
        );
      },
    })),
    {
      name: "SIGUSR1 ends a child that does not trap it, and its whole group: 138",
      fn: async (ctx) => {
        const r = startRun(ctx, sh('sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait'));
        await r.waitForOut("ready\n");
        r.signal("SIGUSR1");
        assert.deepEqual(await r.status, 128 + SIGNALS.SIGUSR1, `stderr: ${r.err()}`);
      },
    },
    {
      name: "SIGTSTP stops the child's group and credkit; SIGCONT resumes both",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh('sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait'),
        );
        await r.waitForOut("ready\n");
        const watched = () => [r.pid, ...recordedPids(ctx.pidsFile)];
        r.signal("SIGTSTP");
        const stopped = await statesSettle(watched, (s) => s === "T");
        assert.deepEqual(stopped, watched().map(() => "T"), "not every process stopped");
        r.signal("SIGCONT");
        const resumed = await statesSettle(watched, (s) => s !== "T");
        assert.ok(!resumed.includes("T"), `still stopped: ${resumed.join(" ")}`);
        r.signal("SIGTERM");
        assert.deepEqual(await r.status, 143, `stderr: ${r.err()}`);
      },
    },
    {
      name: "one Ctrl-C interrupts the child: 130",
      fn: async (ctx) => {
        // `sleep` starts before "ready": dash holds a SIGINT that arrives while it
        // forks a foreground command until that command ends.
        const r = startRun(ctx, sh('sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait'));
        await r.waitForOut("ready\n");
        r.signal("SIGINT");
        assert.deepEqual(await r.status, 130, `stderr: ${r.err()}`);
      },
    },
    {
      name: "a second Ctrl-C within 2 s kills the whole group",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh('trap "" INT; sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait'),
        );
        await r.waitForOut("ready\n");
        r.signal("SIGINT");
        await sleep(300);
        // The child ignores SIGINT: still running after the first one.
        const first = await Promise.race([r.status, sleep(200).then(() => "running")]);
        assert.deepEqual(first, "running");
        const t0 = Date.now();
        r.signal("SIGINT");
        assert.deepEqual(await r.status, 137, `stderr: ${r.err()}`);
        assert(Date.now() - t0 < 2000, "the group was not killed promptly");
      },
    },
    {
      name: "command not found: 127 and the PATH searched",
      fn: async (ctx) => {
        const r = startRun(ctx, ["credkit-no-such-command-x9"]);
        assert.deepEqual(await r.status, 127);
        await r.drained;
        assert.deepEqual(r.out(), "");
        assert.deepEqual(
          r.err(),
          `credkit: cannot run credkit-no-such-command-x9: command not found in PATH=${ctx.env.PATH}\n`,
        );
      },
    },
    {
      name: "a file without execute permission: 126",
      fn: async (ctx) => {
        const file = join(ctx.tmp, "not-executable.sh");
        fs.writeFileSync(file, "#!/bin/sh\necho should-not-run\n", { mode: 0o644 });
        fs.chmodSync(file, 0o644);
        const r = startRun(ctx, [file]);
        assert.deepEqual(await r.status, 126);
        await r.drained;
        assert.deepEqual(r.out(), "");
        assert.deepEqual(r.err(), `credkit: cannot run ${file}: permission denied\n`);
      },
    },
    {
      name: "a non-executable file found on PATH: 126",
      fn: async (ctx) => {
        const dir = join(ctx.tmp, "bin");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(join(dir, "credkit-noexec-x9"), "#!/bin/sh\necho no\n", { mode: 0o644 });
        fs.chmodSync(join(dir, "credkit-noexec-x9"), 0o644);
        const r = startRun({ ...ctx, env: { ...ctx.env, PATH: `${dir}:${ctx.env.PATH}` } }, [
          "credkit-noexec-x9",
        ]);
        assert.deepEqual(await r.status, 126);
        await r.drained;
        assert.deepEqual(r.err(), "credkit: cannot run credkit-noexec-x9: permission denied\n");
      },
    },
    {
      name: "a secret on stdout and stderr is masked",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh(
            'echo "out:$HF_TOKEN"; echo "err:$HF_TOKEN" >&2; printf \'{"t":"%s"}\\n\' "$HF_TOKEN"',
          ),
        );
        assert.deepEqual(await r.status, 0, `stderr: ${r.err()}`);
        await r.drained;
        assertNoSecrets(r.out() + r.err(), [SECRET]);
        assert.ok(
          r.out().includes("out:****\n"),
          `missing ${JSON.stringify("out:****\n")} in ${JSON.stringify(r.out())}`,
        );
        assert.ok(
          r.out().includes('{"t":"****"}'),
          `missing ${JSON.stringify('{"t":"****"}')} in ${JSON.stringify(r.out())}`,
        );
        assert.ok(
          r.err().includes("err:****\n"),
          `missing ${JSON.stringify("err:****\n")} in ${JSON.stringify(r.err())}`,
        );
      },
    },
    {
      name: "a secret split across writes is masked",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh(
            'head=${HF_TOKEN%?????????}; printf "a:%s" "$head"; sleep 0.3; ' +
              'printf "%s:b\\n" "${HF_TOKEN#"$head"}"; printf "%s" "$head" >&2; sleep 0.3; ' +
              'printf "%s\\n" "${HF_TOKEN#"$head"}" >&2',
          ),
        );
        assert.deepEqual(await r.status, 0, `stderr: ${r.err()}`);
        await r.drained;
        assertNoSecrets(r.out() + r.err(), [SECRET]);
        assert.deepEqual(r.out(), "a:****:b\n");
        assert.deepEqual(r.err(), "****\n");
      },
    },
    {
      name: "--mcp keeps every message valid JSON and masked",
      fn: async (ctx) => {
        const r = startRun(
          ctx,
          sh(
            'printf \'{"jsonrpc":"2.0","id":1,"result":{"text":"token %s ok"}}\\n\' "$HF_TOKEN"; ' +
              'printf \'{"jsonrpc":"2.0","id":2,"result":{}}\\n\'',
          ),
          { mode: "mcp" },
        );
        assert.deepEqual(await r.status, 0, `stderr: ${r.err()}`);
        await r.drained;
        assertNoSecrets(r.out() + r.err(), [SECRET]);
        const lines = r.out().trimEnd().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(lines.length, 2);
        assert.deepEqual(lines[0].result.text, "token **** ok");
      },
    },
    {
      name: "--no-mask hands the child the same stdout (no pipe in between)",
      fn: async (ctx) => {
        const r = startRun(ctx, sh("readlink /proc/$$/fd/1; exit 0"), { mode: "inherit" });
        const own = fs.readlinkSync(`/proc/${r.pid}/fd/1`);
        assert.deepEqual(await r.status, 0, `stderr: ${r.err()}`);
        await r.drained;
        assert.deepEqual(r.out(), own + "\n");
      },
    },
    {
      name: "--no-mask: `true` exits 0",
      fn: (ctx) => expectCode(ctx, ["true"], 0, ""),
    },
    ...(["mask", "inherit"] as const).map((mode): RunCase => ({
      name: `on a terminal (${mode}): typed input reaches the child, Ctrl-C interrupts it`,
      fn: async (ctx) => {
        if (!hasPython()) {
          console.error("skipped: python3 with pty is not available");
          return;
        }
        const argv = ctx.makeCommand(
          sh('echo ready; read line; echo "got:$line"; sleep 300 & echo $! >> "$PIDS_FILE"; wait'),
          { mode },
        );
        const out = await new Deno.Command("python3", {
          args: ["-c", PTY_SCRIPT, ...argv],
          env: ctx.env,
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const transcript = decoder.decode(out.stdout);
        assert.ok(transcript.includes("got:hello"), transcript);
        assert.ok(transcript.endsWith("\nexit 130\n"), transcript);
      },
    })),
    ...(["mask", "inherit"] as const).map((mode): RunCase => ({
      name: `on a terminal (${mode}): Ctrl-Z stops the child's group with credkit, fg resumes both`,
      fn: async (ctx) => {
        if (!hasPython()) {
          console.error("skipped: python3 with pty is not available");
          return;
        }
        const argv = ctx.makeCommand(
          sh('sleep 300 & echo $! >> "$PIDS_FILE"; echo ready; wait'),
          { mode },
        );
        const out = await new Deno.Command("python3", {
          args: ["-c", PTY_JOB_CONTROL_SCRIPT, ...argv],
          env: ctx.env,
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const transcript = decoder.decode(out.stdout) + decoder.decode(out.stderr);
        // The job (credkit), the child shell and its `sleep 300`.
        assert.match(transcript, /^stopped: T T T\n/, transcript);
        assert.match(transcript, /\ncontinued: [^T\n]+ [^T\n]+ [^T\n]+\n/, transcript);
        // The job's exit after Ctrl-C (the terminal echoes "^C" before it).
        assert.match(transcript, /(?:\n|\^C)exit 130\r?\n/, transcript);
      },
    })),
    {
      name: "stdin reaches the child with its EOF",
      fn: async (ctx) => {
        const r = startRun(ctx, ["wc", "-c"], { stdin: true });
        const w = r.process.stdin.getWriter();
        await w.write(encoder.encode("abc"));
        await w.close();
        assert.deepEqual(await r.status, 0, `stderr: ${r.err()}`);
        await r.drained;
        assert.deepEqual(r.out().trim(), "3");
      },
    },
    {
      name: "100 MB through `cat` is byte-exact",
      fn: async (ctx) => {
        const inHash = createHash("sha256");
        const outHash = createHash("sha256");
        const r = startRun(ctx, ["cat"], {
          stdin: true,
          collectStdout: false,
          onStdoutChunk: (c) => outHash.update(c),
        });
        const total = 100 * 1024 * 1024;
        const block = new Uint8Array(1024 * 1024);
        let seed = 0x9e3779b9;
        for (let i = 0; i < block.length; i++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          block[i] = seed >>> 24;
        }
        const w = r.process.stdin.getWriter();
        for (let sent = 0, n = 0; sent < total; sent += block.length, n++) {
          const chunk = block.slice();
          chunk[0] = n & 0xff; // no two blocks alike
          chunk[1] = n >> 8;
          inHash.update(chunk);
          await w.write(chunk);
        }
        await w.close();
        assert.deepEqual(await r.status, 0, `stderr: ${r.err()}`);
        await r.drained;
        assert.deepEqual(r.outBytes(), total);
        assert.deepEqual(outHash.digest("hex"), inHash.digest("hex"));
      },
    },
    {
      name: "a grandchild does not outlive the child",
      fn: async (ctx) => {
        const t0 = Date.now();
        await expectCode(ctx, sh('sleep 300 & echo $! >> "$PIDS_FILE"; exit 3'), 3);
        assert(Date.now() - t0 < 5000, "run waited for the grandchild");
      },
    },
    {
      name: "a closed stdout ends the child as a pipe would, quietly",
      fn: async (ctx) => {
        const r = startRun(ctx, ["yes", "credkit"]);
        await r.waitForOut("credkit\n");
        await r.closeStdout();
        assert.deepEqual(await r.status, 128 + SIGNALS.SIGPIPE, `stderr: ${r.err()}`);
        await r.drained;
        assert.deepEqual(r.err(), "");
      },
    },
    {
      name: "a slow reader pauses the child instead of filling memory",
      fn: async (ctx) => {
        const r = startRun(ctx, ["head", "-c", "4000000000", "/dev/zero"], { holdStdout: true });
        await sleep(1500);
        const status = fs.readFileSync(`/proc/${r.pid}/status`, "utf8");
        const rssKb = Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? "0");
        assert(rssKb > 0, "could not read the process memory");
        assert(rssKb < 400 * 1024, `memory grew to ${Math.round(rssKb / 1024)} MB`);
        await r.closeStdout();
        assert.deepEqual(await r.status, 128 + SIGNALS.SIGPIPE, `stderr: ${r.err()}`);
      },
    },
  ];
}

/** Options of {@link registerRunCases}. */
export interface RegisterOptions {
  /** Extra environment for the launched process (e.g. `CREDKIT_HOME`). */
  env?: Record<string, string>;
  /** Run only cases whose name includes one of these. */
  only?: string[];
  /** Skip cases whose name includes one of these. */
  skip?: string[];
}

/**
 * Registers every case of {@link runCases} as a `Deno.test` named
 * `<label>: <case>`, each in a fresh scratch directory and followed by the
 * orphan check.
 *
 * @example
 * ```ts
 * registerRunCases("binary", (args, o) => ["dist/credkit", "run", ...(o?.mode === "inherit" ? ["--no-mask"] : o?.mode === "mcp" ? ["--mcp"] : []), "--", ...args]);
 * ```
 */
export function registerRunCases(
  label: string,
  makeCommand: MakeCommand,
  options: RegisterOptions = {},
): void {
  for (const c of runCases()) {
    if (options.only && !options.only.some((s) => c.name.includes(s))) continue;
    if (options.skip?.some((s) => c.name.includes(s))) continue;
    Deno.test({
      name: `${label}: ${c.name}`,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: async () => {
        const tmp = Deno.makeTempDirSync({ prefix: "credkit-run-case-" });
        const marker = `credkit-run-case-${crypto.randomUUID()}`;
        const pidsFile = join(tmp, "pids");
        const env: Record<string, string> = {
          ...Deno.env.toObject(),
          ...options.env,
          HF_TOKEN: SECRET,
          PIDS_FILE: pidsFile,
          CREDKIT_RUN_CASE_MARK: marker,
        };
        try {
          await c.fn({ makeCommand, env, tmp, pidsFile });
          await assertNoOrphans(pidsFile, marker);
        } finally {
          killMarked(marker);
          fs.rmSync(tmp, { recursive: true, force: true });
        }
      },
    });
  }
}
