/**
 * The process side of `credkit run`: start a command with a given
 * environment in its own process group, relay (and mask) its output, forward
 * signals to the whole group, and return its exit code.
 *
 * Exit codes: the child's own code; 128+N when it died of signal N; 127 when
 * the command is not found (the message names the PATH that was searched);
 * 126 when it cannot be executed.
 *
 * @module
 */
import type { ChildProcess, StdioOptions } from "node:child_process";
import { constants as osConstants } from "node:os";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import * as fs from "node:fs";
import { resolveCommand } from "./resolve_command.ts";
import { defaultSpawn, runtimeName } from "../runtime.ts";
import { signalGroup } from "../process_signals.ts";
import { bunApi, spawnInheritWithBun } from "./bun_spawn.ts";

/**
 * How the child's stdio is connected: `mask` pipes stdout and stderr through
 * a masker; `mcp` relays stdout one JSON-RPC message at a time (masked) and
 * stderr through a masker; `inherit` hands the child credkit's own stdio.
 */
export type RunMode = "mask" | "mcp" | "inherit";

/** Signals credkit forwards to the child's process group. */
export type ForwardedSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Exit code when the command is not found. */
export const EXIT_NOT_FOUND = 127;
/** Exit code when the command is found but cannot be executed. */
export const EXIT_CANNOT_EXECUTE = 126;
/** A second SIGINT within this many milliseconds kills the child's group. */
export const DOUBLE_INTERRUPT_MS = 2000;
/** Default for {@link RunChildOptions.killGraceMs}. */
export const DEFAULT_KILL_GRACE_MS = 10_000;
/**
 * After the child has exited, how long its output pipes may stay silent (held
 * open by a process that left the group) before credkit stops reading them.
 */
const DRAIN_IDLE_MS = 1000;

/** Options of {@link runChild}. */
export interface RunChildOptions {
  /** The command: a name searched in `env.PATH`, or a path (relative to `cwd`). */
  command: string;
  /** Arguments after the command. */
  args: string[];
  /** The complete environment of the child (nothing else is inherited). */
  env: Record<string, string>;
  /** Values to mask on stdout and stderr (ignored in `inherit` mode). */
  secrets: string[];
  /** See {@link RunMode}. */
  mode: RunMode;
  /** Working directory of the child; default: credkit's own. */
  cwd?: string;
  /**
   * Input for the child. Default: credkit's own stdin (fd 0) is handed to the
   * child directly, so it receives every byte and the EOF unchanged. A stream
   * given here is piped to the child instead.
   */
  stdin?: Readable;
  /**
   * Where the child's stdout goes. Default: credkit's stdout (in `inherit`
   * mode the fd itself; otherwise a non-blocking writer on it).
   */
  stdout?: Writable;
  /** Where the child's stderr goes; defaults as for `stdout`. */
  stderr?: Writable;
  /** Called after a signal was sent to the child's group (`SIGKILL` on a second Ctrl-C). */
  onSignalForwarded?: (signal: ForwardedSignal | "SIGKILL", pgid: number) => void;
  /** Called once the child has started, with its pid (also its process group id). */
  onSpawn?: (pid: number) => void;
  /** Spawn function; default `node:child_process` spawn. */
  spawn?: typeof defaultSpawn;
  /**
   * After a SIGTERM was forwarded, how long the child's group may take to exit
   * before it is killed with SIGKILL. Default {@link DEFAULT_KILL_GRACE_MS};
   * 0 disables the escalation.
   */
  killGraceMs?: number;
}

/**
 * A chunk transformer: the masker or the MCP relay. `pushv`,
 * where present, returns the output as pieces without copying them together.
 */
interface ChunkTransform {
  push(chunk: Uint8Array): Uint8Array;
  pushv?(chunk: Uint8Array): Uint8Array[];
  flush(): Uint8Array;
}

/** Replaces every secret in a message, longest first. */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join("****");
  }
  return out;
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

/**
 * Signals that were ignored when credkit started (Linux: from
 * `/proc/self/status`, read when this module loads, before any handler is
 * installed). They are swallowed, not forwarded: under `nohup` SIGHUP stays
 * ignored, and a background job started by a non-interactive shell stays
 * immune to SIGINT, just as the command would be without credkit in between.
 */
const ignoredAtStart: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  try {
    const status = fs.readFileSync("/proc/self/status", "utf8");
    const hex = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (hex) {
      const mask = BigInt("0x" + hex);
      for (const name of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
        const n = (osConstants.signals as Record<string, number>)[name];
        if ((mask >> BigInt(n - 1)) & 1n) out.add(name);
      }
    }
  } catch {
    // not Linux: assume nothing is ignored
  }
  return out;
})();

/**
 * What to do with a child's output pipe once credkit's own output is gone
 * (EPIPE): returns a function called with every chunk that still arrives
 * (discarded).
 */
type BrokenPipePolicy = (src: Readable) => ((chunk: Uint8Array) => void) | undefined;

/**
 * Closing the read end: right for a real pipe, where the child's next write
 * fails with EPIPE / SIGPIPE exactly as it would without credkit.
 */
const closeReadEnd: BrokenPipePolicy = (src) => {
  src.destroy();
  return undefined;
};

/** How long a socket pair is drained after a broken pipe before it is closed. */
const SOCKET_LINGER_MS = 200;

/**
 * Bun connects the child's stdio through a socket pair. Closing it while
 * unread bytes remain makes the child's writes fail with ECONNRESET instead
 * of EPIPE ("Connection reset by peer" and exit 1 instead of dying of
 * SIGPIPE). So: keep draining, send SIGPIPE to the group when the child
 * writes again, and close the socket shortly after (a child that ignores
 * SIGPIPE then sees its writes fail).
 */
function signalWritersPolicy(pgid: () => number | undefined): BrokenPipePolicy {
  return (src) => {
    setTimeout(() => src.destroy(), SOCKET_LINGER_MS);
    let signalled = false;
    return () => {
      const id = pgid();
      if (signalled || id === undefined) return;
      signalled = true;
      signalGroup(id, "SIGPIPE", false);
    };
  };
}

/** Streams that already carry a permanent quiet `error` listener. */
const quieted = new WeakSet<Writable>();

/**
 * Copies `src` to `dst` through `transform`, pausing `src` while `dst` is
 * full. Resolves once `src` ended and everything was handed to `dst`, or
 * when `dst` broke (then `onBroken` makes the child see a closed pipe, just
 * as it would without credkit in between).
 */
function relay(
  src: Readable,
  transform: ChunkTransform | null,
  dst: Writable,
  childExited: Promise<unknown>,
  onBroken: BrokenPipePolicy,
): Promise<void> {
  return new Promise((resolveRelay) => {
    let finished = false;
    let ended = false;
    let broken = false;
    let pending = 0;
    let waitingForDrain = false;
    let lastActivity = Date.now();
    let idleTimer: ReturnType<typeof setInterval> | undefined;

    const finish = () => {
      if (finished) return;
      finished = true;
      if (idleTimer) clearInterval(idleTimer);
      dst.off("error", onDstError);
      dst.off("drain", onDrain);
      resolveRelay();
    };
    const maybeFinish = () => {
      if (ended && pending === 0) finish();
    };
    let afterBreak: ((chunk: Uint8Array) => void) | undefined;
    const onDstError = () => {
      if (broken) return;
      broken = true;
      afterBreak = onBroken(src);
      src.resume();
      finish();
    };
    const onDrain = () => {
      waitingForDrain = false;
      lastActivity = Date.now();
      if (!broken) src.resume();
    };
    const write = (bytes: Uint8Array): boolean => {
      if (broken || bytes.length === 0) return true;
      pending++;
      return dst.write(bytes, (err) => {
        pending--;
        if (err) onDstError();
        else maybeFinish();
      });
    };
    const end = () => {
      if (ended) return;
      ended = true;
      if (transform) write(transform.flush());
      maybeFinish();
    };

    if (!quieted.has(dst)) {
      quieted.add(dst);
      dst.on("error", () => {});
    }
    dst.on("error", onDstError);

    src.on("data", (chunk: Uint8Array) => {
      lastActivity = Date.now();
      if (broken) afterBreak?.(chunk);
      if (broken || ended) return;
      const pieces = !transform
        ? [chunk]
        : transform.pushv
        ? transform.pushv(chunk)
        : [transform.push(chunk)];
      let flowing = true;
      for (const piece of pieces) flowing = write(piece) && flowing;
      if (!flowing && !waitingForDrain) {
        waitingForDrain = true;
        src.pause();
        dst.once("drain", onDrain);
      }
    });
    src.once("end", end);
    src.once("close", end);
    src.once("error", end);

    childExited.then(() => {
      if (finished) return;
      idleTimer = setInterval(() => {
        if (ended || waitingForDrain) return;
        if (Date.now() - lastActivity >= DRAIN_IDLE_MS) {
          src.destroy();
          end();
        }
      }, 100);
    });
  });
}

function spawnErrorCode(err: unknown): string {
  return (err as { code?: string })?.code ?? "";
}

/**
 * Runs a command the way `credkit run` does and returns its exit code.
 *
 * - The child gets exactly `env`, runs in its own process group (a new
 *   session), and receives credkit's stdin directly unless `stdin` is given.
 * - In `mask` / `mcp` mode its stdout and stderr are masked and relayed with
 *   backpressure; in `inherit` mode it gets credkit's own stdio fds.
 * - SIGINT, SIGTERM and SIGHUP received by credkit are forwarded to the whole
 *   group (unless credkit was started with them ignored, as under `nohup`);
 *   a second SIGINT within {@link DOUBLE_INTERRUPT_MS} kills the group.
 * - When the child exits, whatever is left in its group is killed.
 * - credkit itself writes nothing to stdout; failures to start are one line
 *   on stderr (127 not found, naming the PATH searched; 126 not executable).
 *
 * @example
 * ```ts
 * const code = await runChild({
 *   command: "sh",
 *   args: ["-c", "echo $TOKEN"],
 *   env: { PATH: "/usr/bin:/bin", TOKEN: "s3cret" },
 *   secrets: ["s3cret"],
 *   mode: "mask",
 * });
 * // prints "****", code === 0
 * ```
 */
export async function runChild(opts: RunChildOptions): Promise<number> {
  const { command, args, env, mode } = opts;
  const secrets = opts.secrets.filter((s) => s.length > 0);
  const cwd = opts.cwd ?? process.cwd();
  const spawn = opts.spawn ?? defaultSpawn;
  const killGraceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const fail = (why: string, code: number): number => {
    const line = `credkit: cannot run ${command}: ${why}\n`;
    (opts.stderr ?? process.stderr).write(scrub(line, secrets));
    return code;
  };

  try {
    if (!fs.statSync(cwd).isDirectory()) {
      return fail(`working directory ${cwd} is not a directory`, EXIT_CANNOT_EXECUTE);
    }
  } catch {
    return fail(`working directory ${cwd} does not exist`, EXIT_CANNOT_EXECUTE);
  }

  const resolved = resolveCommand(command, env, cwd);
  if (!resolved.ok) {
    switch (resolved.reason) {
      case "not_found":
        return resolved.searched === undefined
          ? fail("no such file or directory", EXIT_NOT_FOUND)
          : fail(`command not found in PATH=${resolved.searched}`, EXIT_NOT_FOUND);
      case "is_directory":
        return fail("is a directory", EXIT_CANNOT_EXECUTE);
      default:
        return fail("permission denied", EXIT_CANNOT_EXECUTE);
    }
  }

  const pipeOut = mode !== "inherit" || opts.stdout !== undefined;
  const pipeErr = mode !== "inherit" || opts.stderr !== undefined;
  const stdio: StdioOptions = [
    opts.stdin ? "pipe" : "inherit",
    pipeOut ? "pipe" : "inherit",
    pipeErr ? "pipe" : "inherit",
  ];

  // The masker and the stdio writers are loaded only when output is piped:
  // `--no-mask` starts faster without them.
  const piping = pipeOut || pipeErr
    ? await Promise.all([
      import("../mask/stream_masker.ts"),
      import("../mask/mcp_relay.ts"),
      import("./stdio_writer.ts"),
    ]).then(([mask, relay, writer]) => ({
      StreamMasker: mask.StreamMasker,
      McpRelay: relay.McpRelay,
      stdioWriter: writer.stdioWriter,
    }))
    : undefined;

  function spawnFailure(err: unknown): number {
    const code = spawnErrorCode(err);
    if (code === "ENOENT") {
      return fail(
        "no such file or directory (missing interpreter or loader?)",
        EXIT_CANNOT_EXECUTE,
      );
    }
    if (code === "EACCES") return fail("permission denied", EXIT_CANNOT_EXECUTE);
    return fail(code ? `cannot execute (${code})` : "cannot execute", EXIT_CANNOT_EXECUTE);
  }

  // Signals: listening starts before the spawn (a Ctrl-C in between is
  // queued, not lost) and forwarding lasts until the child has exited.
  let pid: number | undefined;
  let exited = false;
  let lastInterrupt = 0;
  let termTimer: ReturnType<typeof setTimeout> | undefined;
  const queued: ForwardedSignal[] = [];
  const forward = (signal: ForwardedSignal) => {
    if (exited) return;
    if (pid === undefined) {
      queued.push(signal);
      return;
    }
    const group = pid;
    let sent: ForwardedSignal | "SIGKILL" = signal;
    if (signal === "SIGINT") {
      const now = Date.now();
      if (lastInterrupt !== 0 && now - lastInterrupt <= DOUBLE_INTERRUPT_MS) sent = "SIGKILL";
      lastInterrupt = now;
    }
    signalGroup(group, sent, true);
    opts.onSignalForwarded?.(sent, group);
    if (signal === "SIGTERM" && killGraceMs > 0 && termTimer === undefined) {
      termTimer = setTimeout(() => {
        if (exited) return;
        signalGroup(group, "SIGKILL", true);
        opts.onSignalForwarded?.("SIGKILL", group);
      }, killGraceMs);
    }
  };
  const handlers: Record<ForwardedSignal, () => void> = {
    SIGINT: () => forward("SIGINT"),
    SIGTERM: () => forward("SIGTERM"),
    SIGHUP: () => forward("SIGHUP"),
  };
  // A signal ignored at start gets a listener that swallows it: Deno starts
  // catching SIGHUP, SIGINT and SIGTERM together as soon as one of them has a
  // listener, and an unheard one would then terminate credkit.
  const swallow = () => {};
  const installed = Object.entries(handlers).map(([sig, handler]) => {
    const listener = ignoredAtStart.has(sig) ? swallow : handler;
    process.on(sig, listener);
    return [sig, listener] as const;
  });

  try {
    let child: ChildProcess;
    // Plain inherited stdio under Bun: Bun.spawn starts the child faster.
    const bun = spawn === defaultSpawn && !pipeOut && !pipeErr && !opts.stdin
      ? bunApi()
      : undefined;
    try {
      child = bun
        ? spawnInheritWithBun(bun, resolved.path, args, { cwd, env, argv0: command })
        : spawn(resolved.path, args, {
          argv0: command,
          cwd,
          env,
          stdio,
          detached: true,
          windowsHide: true,
        });
    } catch (err) {
      return spawnFailure(err);
    }

    type Outcome = { kind: "exit"; code: number } | { kind: "error"; err: unknown };
    const outcome = new Promise<Outcome>((resolveOutcome) => {
      child.once("exit", (code, signal) => {
        resolveOutcome({ kind: "exit", code: exitCodeOf(code, signal) });
      });
      // Errors after a successful start (a failed kill, say) are not outcomes.
      child.once("error", (err) => {
        if (child.pid === undefined) resolveOutcome({ kind: "error", err });
      });
    });

    if (child.pid === undefined) {
      const first = await outcome;
      return first.kind === "error" ? spawnFailure(first.err) : first.code;
    }
    const group = child.pid;
    pid = group;
    opts.onSpawn?.(group);
    for (const signal of queued.splice(0)) forward(signal);

    let markExited!: () => void;
    const childExited = new Promise<void>((r) => (markExited = r));

    // Output relays.
    const onBroken = runtimeName === "bun"
      ? signalWritersPolicy(() => (exited ? undefined : group))
      : closeReadEnd;
    const relays: Promise<void>[] = [];
    if (child.stdout && piping) {
      const dst = opts.stdout ?? piping.stdioWriter("stdout");
      const transform = mode === "inherit"
        ? null
        : mode === "mcp"
        ? new piping.McpRelay(secrets)
        : new piping.StreamMasker(secrets);
      relays.push(relay(child.stdout, transform, dst, childExited, onBroken));
    }
    if (child.stderr && piping) {
      const dst = opts.stderr ?? piping.stdioWriter("stderr");
      const transform = mode === "inherit" ? null : new piping.StreamMasker(secrets);
      relays.push(relay(child.stderr, transform, dst, childExited, onBroken));
    }
    const input = opts.stdin;
    if (input && child.stdin) {
      child.stdin.on("error", () => {}); // the child may exit without reading
      input.pipe(child.stdin);
    }

    const result = await outcome;
    exited = true;
    if (termTimer !== undefined) clearTimeout(termTimer);
    // Nothing started by the child outlives it.
    signalGroup(group, "SIGKILL", false);
    markExited();
    if (input && child.stdin) {
      input.unpipe(child.stdin);
      child.stdin.destroy();
    }
    await Promise.all(relays);
    return result.kind === "error" ? spawnFailure(result.err) : result.code;
  } finally {
    exited = true;
    if (termTimer !== undefined) clearTimeout(termTimer);
    for (const [sig, listener] of installed) process.off(sig, listener);
  }
}
