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
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import { signalGroup } from "./group.ts";
import type { spawn as nodeSpawn } from "node:child_process";
import { launch } from "./launch.ts";
import { brokenPipePolicy, type ChunkTransform, relay } from "./relay.ts";
import { relayStream } from "./relay_stream.ts";
import { forwardSignals } from "./signals.ts";

/**
 * How the child's stdio is connected: `mask` pipes stdout and stderr through
 * a masker; `mcp` relays stdout one JSON-RPC message at a time (masked) and
 * stderr through a masker; `inherit` hands the child credkit's own stdio.
 */
export type RunMode = "mask" | "mcp" | "inherit";

/** A second SIGINT within this many milliseconds kills the child's group. */
export const DOUBLE_INTERRUPT_MS = 2000;
/** Default for {@link RunChildOptions.killGraceMs}. */
export const DEFAULT_KILL_GRACE_MS = 10_000;
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
  onSignalForwarded?: (signal: NodeJS.Signals, pgid: number) => void;
  /** Called once the child has started, with its pid (also its process group id). */
  onSpawn?: (pid: number) => void;
  /** Spawn function; default `node:child_process` spawn. */
  spawn?: typeof nodeSpawn;
  /**
   * After a SIGTERM was forwarded, how long the child's group may take to exit
   * before it is killed with SIGKILL. Default {@link DEFAULT_KILL_GRACE_MS};
   * 0 disables the escalation.
   */
  killGraceMs?: number;
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
 * Runs a command the way `credkit run` does and returns its exit code.
 *
 * - The child gets exactly `env`, runs in its own process group (a new
 *   session), and receives credkit's stdin directly unless `stdin` is given.
 * - In `mask` / `mcp` mode its stdout and stderr are masked and relayed with
 *   backpressure; in `inherit` mode it gets credkit's own stdio fds.
 * - Every signal of `FORWARDED_SIGNALS` (signals.ts) credkit receives is forwarded
 *   to the whole group (unless credkit was started with it ignored, as under
 *   `nohup`), with terminal job control; a second SIGINT within
 *   {@link DOUBLE_INTERRUPT_MS} kills the group; SIGTERM is followed by
 *   SIGKILL after `killGraceMs`.
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
  const { command, mode } = opts;
  const secrets = opts.secrets.filter((s) => s.length > 0);
  const killGraceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const pipeOut = mode !== "inherit" || opts.stdout !== undefined;
  const pipeErr = mode !== "inherit" || opts.stderr !== undefined;

  // The masker and the stdio writers are loaded only when output is piped:
  // `--no-mask` starts faster without them.
  const piping = pipeOut || pipeErr
    ? await Promise.all([
      import("../mask/stream_masker.ts"),
      import("../mask/mcp_relay.ts"),
      import("../supervise/stdio_writer.ts"),
    ]).then(([mask, relay, writer]) => ({
      StreamMasker: mask.StreamMasker,
      McpRelay: relay.McpRelay,
      stdioWriter: writer.stdioWriter,
    }))
    : undefined;

  // Signals: listening starts before the spawn and lasts until the child has
  // exited. The spawn happens in the same turn as the listening starts, so
  // no signal is handled before the group is known.
  let group: number | undefined;
  let exited = false;
  let lastInterrupt = 0;
  let termTimer: ReturnType<typeof setTimeout> | undefined;
  const sent = (signal: NodeJS.Signals, pgid: number) => opts.onSignalForwarded?.(signal, pgid);
  const intercept = (signal: NodeJS.Signals): boolean => {
    if (exited || group === undefined) return true;
    if (signal === "SIGINT") {
      const now = Date.now();
      const again = lastInterrupt !== 0 && now - lastInterrupt <= DOUBLE_INTERRUPT_MS;
      lastInterrupt = now;
      if (again) {
        signalGroup(group, "SIGKILL", true);
        sent("SIGKILL", group);
        return true;
      }
    }
    if (signal === "SIGTERM" && killGraceMs > 0 && termTimer === undefined) {
      const pgid = group;
      termTimer = setTimeout(() => {
        if (exited) return;
        signalGroup(pgid, "SIGKILL", true);
        sent("SIGKILL", pgid);
      }, killGraceMs);
    }
    return false;
  };
  const stopForwarding = forwardSignals({
    groups: () => (group === undefined || exited ? [] : [group]),
    intercept,
    onForwarded: sent,
  });

  try {
    const child = await launch({
      command,
      args: opts.args,
      env: opts.env,
      cwd: opts.cwd ?? process.cwd(),
      stdio: [
        opts.stdin ? "pipe" : "inherit",
        pipeOut ? "pipe" : "inherit",
        pipeErr ? "pipe" : "inherit",
      ],
      spawn: opts.spawn,
      // Under Bun, output pipes read as web streams are faster.
      webStreams: true,
    });
    if (!child.ok) {
      const line = `credkit: cannot run ${command}: ${child.why}\n`;
      (opts.stderr ?? process.stderr).write(scrub(line, secrets));
      return child.code;
    }
    group = child.pid;
    opts.onSpawn?.(child.pid);

    let markExited!: () => void;
    const childExited = new Promise<void>((r) => (markExited = r));
    const onBroken = brokenPipePolicy(() => (exited ? undefined : child.pid));
    const relays: Promise<void>[] = [];
    const relayOutput = (
      src: Readable | null,
      stream: ReadableStream<Uint8Array> | null | undefined,
      transform: ChunkTransform | null,
      dst: Writable,
    ) => {
      if (stream) relays.push(relayStream(stream, transform, dst, childExited, onBroken));
      else if (src) relays.push(relay(src, transform, dst, childExited, onBroken));
    };
    if ((child.stdout || child.stdoutStream) && piping) {
      const dst = opts.stdout ?? piping.stdioWriter("stdout");
      const transform = mode === "inherit"
        ? null
        : mode === "mcp"
        ? new piping.McpRelay(secrets)
        : new piping.StreamMasker(secrets);
      relayOutput(child.stdout, child.stdoutStream, transform, dst);
    }
    if ((child.stderr || child.stderrStream) && piping) {
      const dst = opts.stderr ?? piping.stdioWriter("stderr");
      const transform = mode === "inherit" ? null : new piping.StreamMasker(secrets);
      relayOutput(child.stderr, child.stderrStream, transform, dst);
    }
    const input = opts.stdin;
    if (input && child.stdin) {
      child.stdin.on("error", () => {}); // the child may exit without reading
      input.pipe(child.stdin);
    }

    const result = await child.exited;
    exited = true;
    markExited();
    if (input && child.stdin) {
      input.unpipe(child.stdin);
      child.stdin.destroy();
    }
    await Promise.all(relays);
    return result.code;
  } finally {
    exited = true;
    if (termTimer !== undefined) clearTimeout(termTimer);
    stopForwarding();
  }
}
