/**
 * Runs a command to completion in its own process group and captures its
 * stdout and stderr (interleaved, secrets masked), with an optional timeout.
 * Nothing it starts outlives it. Used by `credkit test` for each backend.
 *
 * @module
 */
import type { spawn as nodeSpawn } from "node:child_process";
import { Writable } from "node:stream";
import { StreamMasker } from "./mask.ts";
import { launch } from "../process/launch.ts";
import { closeReadEnd, relay } from "../process/relay.ts";
import { settleWithin } from "./settle.ts";

/** Default cap on the captured output kept in memory (the tail is kept). */
export const DEFAULT_MAX_CAPTURE = 1024 * 1024;
/** After a timeout's SIGTERM, how long the group has before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** Options of {@link runCaptured}. */
export interface CaptureOptions {
  /** The command: a name searched in `env.PATH`, or a path (relative to `cwd`). */
  command: string;
  /** Arguments after the command. */
  args: string[];
  /** The complete environment of the command. */
  env: Record<string, string>;
  /** Working directory of the command. */
  cwd: string;
  /** Values masked in the captured output. */
  secrets: string[];
  /** Kill the group (SIGTERM, then SIGKILL) after this many ms. */
  timeoutMs?: number;
  /** Spawn function (`node:child_process` spawn). */
  spawn: typeof nodeSpawn;
  /** Bytes of output kept (the end of it); default {@link DEFAULT_MAX_CAPTURE}. */
  maxCapture?: number;
  /** Receives each masked chunk as it arrives (for live output). */
  onOutput?: (chunk: Uint8Array) => void;
  /** Aborting stops the command's group (SIGTERM, then SIGKILL). */
  signal?: AbortSignal;
  /** Called once the command has started, with its pid (also its process group id). */
  onStart?: (pid: number) => void;
}

/** The outcome of {@link runCaptured}. */
export interface CaptureResult {
  /** Exit code (128+N for signal N; 127 not found; 126 not executable). */
  code: number;
  /** The signal that ended it, if any. */
  signal: string | null;
  /** Whether it was stopped because it ran past {@link CaptureOptions.timeoutMs}. */
  timedOut: boolean;
  /** Whether it was stopped through {@link CaptureOptions.signal}. */
  aborted: boolean;
  /** Masked stdout and stderr, interleaved as they arrived. */
  output: string;
  /** Why it could not be started, when it could not. */
  startError?: string;
  /** How long it ran, in milliseconds. */
  durationMs: number;
}

/**
 * Runs `command` with exactly `env`, captures its masked output, and returns
 * how it ended.
 *
 * @example
 * ```ts
 * const r = await runCaptured({
 *   command: "sh", args: ["-c", "echo $TOKEN"], env: { PATH: "/bin", TOKEN: "s3cret" },
 *   cwd: "/tmp", secrets: ["s3cret"], spawn,
 * });
 * r.output; // "****\n"
 * ```
 */
export async function runCaptured(opts: CaptureOptions): Promise<CaptureResult> {
  const started = Date.now();
  const max = opts.maxCapture ?? DEFAULT_MAX_CAPTURE;
  const child = await launch({
    command: opts.command,
    args: opts.args,
    env: opts.env,
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    spawn: opts.spawn,
  });
  if (!child.ok) {
    return {
      code: child.code,
      signal: null,
      timedOut: false,
      aborted: false,
      output: "",
      startError: `${opts.command}: ${child.why}`,
      durationMs: Date.now() - started,
    };
  }
  opts.onStart?.(child.pid);

  const chunks: Uint8Array[] = [];
  let size = 0;
  const keep = new Writable({
    write(bytes: Uint8Array, _enc, callback) {
      if (bytes.length > 0) {
        opts.onOutput?.(bytes);
        chunks.push(bytes.slice());
        size += bytes.length;
        while (size > max && chunks.length > 1) size -= chunks.shift()!.length;
      }
      callback();
    },
  });
  const exited = child.exited;
  const relays = Promise.all(
    [child.stdout, child.stderr].map((src) =>
      src ? relay(src, new StreamMasker(opts.secrets), keep, exited, closeReadEnd) : undefined
    ),
  );

  let timedOut = false;
  let aborted = false;
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    child.stop(KILL_GRACE_MS);
  }, opts.timeoutMs);
  const abortSignal = opts.signal;
  const onAbort = () => {
    aborted = true;
    child.stop(KILL_GRACE_MS);
  };
  if (abortSignal?.aborted) onAbort();
  else abortSignal?.addEventListener("abort", onAbort, { once: true });

  const exit = await exited;
  clearTimeout(timer);
  abortSignal?.removeEventListener("abort", onAbort);
  await settleWithin(relays, 1000);
  child.stdout?.destroy();
  child.stderr?.destroy();
  let total = 0;
  const all = new Uint8Array(size);
  for (const c of chunks) {
    all.set(c, total);
    total += c.length;
  }
  let output = new TextDecoder().decode(all);
  if (size >= max) output = output.replace(/^[^\n]*\n?/, "[… earlier output dropped]\n");
  return {
    code: exit.code,
    signal: exit.signal,
    timedOut,
    aborted,
    output,
    durationMs: Date.now() - started,
  };
}
