/**
 * The one process-group launcher: resolves a command against the child's
 * PATH, starts it in a new session (its own process group), and hands back
 * its pid, its stdio, a promise of how it ended and a way to stop it — or a
 * typed start failure (127 not found, naming the PATH searched; 126 cannot
 * be executed). When the child exits, whatever is left in its group is
 * killed: nothing it started outlives it.
 *
 * Used by `run`, the server supervisor and `test`.
 *
 * @module
 */
import type { ChildProcess, spawn as nodeSpawn } from "node:child_process";
import * as fs from "node:fs";
import { constants as osConstants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { signalGroup } from "./group.ts";
import { defaultSpawn } from "../runtime/spawn.ts";
import { type FastChild, fastSpawn, type OutputChoice } from "./bun_adapter.ts";
import { resolveCommand, type StartFailure, unresolvedFailure } from "./resolve_command.ts";

export type { StartFailure } from "./resolve_command.ts";

/** Exit code when the command is not found. */
export const EXIT_NOT_FOUND = 127;
/** Exit code when the command is found but cannot be executed. */
export const EXIT_CANNOT_EXECUTE = 126;

/** One of the child's stdio: credkit's own, a pipe, nothing, or a file descriptor. */
export type StdioChoice = "inherit" | "pipe" | "ignore" | number;

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** The command: a name searched in `env.PATH`, or a path (relative to `cwd`). */
  command: string;
  /** Arguments after the command. */
  args: string[];
  /** The complete environment of the child (nothing else is inherited). */
  env: Record<string, string>;
  /** Working directory of the child. */
  cwd: string;
  /** stdin, stdout, stderr of the child. */
  stdio: [StdioChoice, StdioChoice, StdioChoice];
  /** Spawn function; default `node:child_process` spawn (or the runtime's faster one). */
  spawn?: typeof nodeSpawn;
  /**
   * Whether piped stdout / stderr may come as web streams
   * ({@link Launched.stdoutStream}) when the runtime reads those faster (Bun,
   * with stdin inherited and the default spawn). Default false: always
   * `node:stream` pipes.
   */
  webStreams?: boolean;
}

/** How a launched child ended. */
export interface ChildExit {
  /** Its exit code, or 128+N when it died of signal N. */
  code: number;
  /** The signal that ended it, if any. */
  signal: string | null;
}

/** A started child: the leader of its own process group. */
export interface Launched {
  /** Always true: the child started. */
  ok: true;
  /** The child's pid, also its process group id. */
  pid: number;
  /** The child's stdin, when it is a pipe. */
  stdin: Writable | null;
  /** The child's stdout, when it is a pipe. */
  stdout: Readable | null;
  /** The child's stderr, when it is a pipe. */
  stderr: Readable | null;
  /** The child's stdout, when it is a pipe given as a web stream (then `stdout` is null). */
  stdoutStream?: ReadableStream<Uint8Array> | null;
  /** The child's stderr, when it is a pipe given as a web stream (then `stderr` is null). */
  stderrStream?: ReadableStream<Uint8Array> | null;
  /** Resolves once the child has exited and the rest of its group was killed. */
  exited: Promise<ChildExit>;
  /** Sends `signal` to the child's group (never throws). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Sends SIGTERM to the group, SIGKILL after `graceMs` (0: never), and
   * resolves with how the child ended.
   */
  stop(graceMs: number): Promise<ChildExit>;
  /** Lets credkit exit while the child still runs (a detached supervisor). */
  unref(): void;
}

/**
 * The exit code for a child that ended with `code` or was killed by `signal`:
 * the code itself, or 128+N for signal N.
 *
 * @example
 * ```ts
 * exitCodeOf(null, "SIGKILL"); // 137
 * exitCodeOf(42, null); // 42
 * ```
 */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | string | null): number {
  if (typeof code === "number") return code;
  if (signal) {
    const n = (osConstants.signals as Record<string, number>)[signal];
    if (typeof n === "number") return 128 + n;
  }
  return 1;
}

/** The start failure for an error `spawn` raised. */
function spawnFailure(err: unknown): StartFailure {
  const code = (err as { code?: string })?.code ?? "";
  if (code === "ENOENT") {
    return {
      ok: false,
      code: EXIT_CANNOT_EXECUTE,
      why: "no such file or directory (missing interpreter or loader?)",
    };
  }
  if (code === "EACCES") return { ok: false, code: EXIT_CANNOT_EXECUTE, why: "permission denied" };
  return {
    ok: false,
    code: EXIT_CANNOT_EXECUTE,
    why: code ? `cannot execute (${code})` : "cannot execute",
  };
}

/** The start failure for a working directory that cannot be used, if it cannot. */
function badWorkingDirectory(cwd: string): StartFailure | undefined {
  try {
    if (fs.statSync(cwd).isDirectory()) return undefined;
    return {
      ok: false,
      code: EXIT_CANNOT_EXECUTE,
      why: `working directory ${cwd} is not a directory`,
    };
  } catch {
    return { ok: false, code: EXIT_CANNOT_EXECUTE, why: `working directory ${cwd} does not exist` };
  }
}

/**
 * Starts `command` in a new session (its own process group) with exactly
 * `env`, or says why it cannot be started.
 *
 * @example
 * ```ts
 * const child = await launch({
 *   command: "sh", args: ["-c", "echo hi"], env: { PATH: "/usr/bin:/bin" },
 *   cwd: "/tmp", stdio: ["ignore", "inherit", "inherit"],
 * });
 * if (!child.ok) console.error(`credkit: cannot run sh: ${child.why}`);
 * else console.log((await child.exited).code); // 0
 * ```
 */
export async function launch(opts: LaunchOptions): Promise<Launched | StartFailure> {
  const badCwd = badWorkingDirectory(opts.cwd);
  if (badCwd) return badCwd;
  const resolved = resolveCommand(opts.command, opts.env, opts.cwd);
  if (!resolved.ok) return unresolvedFailure(resolved);

  const spawn = opts.spawn ?? defaultSpawn;
  const [stdin, stdout, stderr] = opts.stdio;
  const fastable = (s: StdioChoice): s is OutputChoice => s === "inherit" || s === "pipe";
  const allInherit = opts.stdio.every((s) => s === "inherit");
  const fast = spawn === defaultSpawn && stdin === "inherit" && fastable(stdout) &&
      fastable(stderr) && (allInherit || opts.webStreams)
    ? fastSpawn()
    : undefined;
  let child: ChildProcess;
  let streams: FastChild | undefined;
  try {
    if (fast) {
      streams = fast(resolved.path, opts.args, {
        cwd: opts.cwd,
        env: opts.env,
        argv0: opts.command,
        output: [stdout as OutputChoice, stderr as OutputChoice],
      });
      child = streams.child;
    } else {
      child = spawn(resolved.path, opts.args, {
        argv0: opts.command,
        cwd: opts.cwd,
        env: opts.env,
        stdio: opts.stdio,
        detached: true,
        windowsHide: true,
      });
    }
  } catch (err) {
    return spawnFailure(err);
  }

  type Outcome = { kind: "exit"; exit: ChildExit } | { kind: "error"; err: unknown };
  const outcome = new Promise<Outcome>((resolveOutcome) => {
    child.once("exit", (code, signal) => {
      resolveOutcome({ kind: "exit", exit: { code: exitCodeOf(code, signal), signal } });
    });
    // Errors after a successful start (a failed kill, say) are not outcomes.
    child.once("error", (err) => {
      if (child.pid === undefined) resolveOutcome({ kind: "error", err });
    });
  });
  if (child.pid === undefined) {
    const first = await outcome;
    if (first.kind === "error") return spawnFailure(first.err);
    return spawnFailure(undefined);
  }
  const pid = child.pid;
  let alive = true;
  const exited = outcome.then((o) => {
    alive = false;
    // Nothing started by the child outlives it.
    signalGroup(pid, "SIGKILL", false);
    return o.kind === "exit" ? o.exit : { code: EXIT_CANNOT_EXECUTE, signal: null };
  });
  return {
    ok: true,
    pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderr: child.stderr,
    stdoutStream: streams?.stdout ?? null,
    stderrStream: streams?.stderr ?? null,
    exited,
    signal: (signal) => {
      if (alive) signalGroup(pid, signal, true);
    },
    async stop(graceMs: number) {
      if (alive) signalGroup(pid, "SIGTERM", true);
      const killer = graceMs > 0 && alive
        ? setTimeout(() => alive && signalGroup(pid, "SIGKILL", true), graceMs)
        : undefined;
      const exit = await exited;
      clearTimeout(killer);
      return exit;
    },
    unref: () => child.unref(),
  };
}
