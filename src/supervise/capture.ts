/**
 * Runs a command to completion in its own process group and captures its
 * stdout and stderr (interleaved, secrets masked), with an optional timeout.
 * Nothing it starts outlives it. Used by `credkit test` for each backend.
 *
 * @module
 */
import type { ChildProcess, spawn as nodeSpawn } from "node:child_process";
import { exitCodeOf } from "./child.ts";
import { StreamMasker } from "../mask/stream_masker.ts";
import { resolveCommand } from "./resolve_command.ts";
import { signalGroup } from "../process_signals.ts";
import { settleWithin } from "./settle.ts";

/** Default cap on the captured output kept in memory (the tail is kept). */
export const DEFAULT_MAX_CAPTURE = 1024 * 1024;
/** After a timeout's SIGTERM, how long the group has before SIGKILL. */
const KILL_GRACE_MS = 2000;

/** Options of {@link runCaptured}. */
export interface CaptureOptions {
  command: string;
  args: string[];
  /** The complete environment of the command. */
  env: Record<string, string>;
  cwd: string;
  /** Values masked in the captured output. */
  secrets: string[];
  /** Kill the group (SIGTERM, then SIGKILL) after this many ms. */
  timeoutMs?: number;
  spawn: typeof nodeSpawn;
  /** Bytes of output kept (the end of it); default {@link DEFAULT_MAX_CAPTURE}. */
  maxCapture?: number;
  /** Receives each masked chunk as it arrives (for live output). */
  onOutput?: (chunk: Uint8Array) => void;
  /** Aborting stops the command's group (SIGTERM, then SIGKILL). */
  signal?: AbortSignal;
}

/** The outcome of {@link runCaptured}. */
export interface CaptureResult {
  /** Exit code (128+N for signal N; 127 not found; 126 not executable). */
  code: number;
  /** The signal that ended it, if any. */
  signal: string | null;
  timedOut: boolean;
  /** Whether it was stopped through {@link CaptureOptions.signal}. */
  aborted: boolean;
  /** Masked stdout and stderr, interleaved as they arrived. */
  output: string;
  /** Why it could not be started, when it could not. */
  startError?: string;
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
  const found = resolveCommand(opts.command, opts.env, opts.cwd);
  const fail = (code: number, why: string): CaptureResult => ({
    code,
    signal: null,
    timedOut: false,
    aborted: false,
    output: "",
    startError: why,
    durationMs: Date.now() - started,
  });
  if (!found.ok) {
    if (found.reason === "not_found") {
      return fail(
        127,
        found.searched === undefined
          ? `${opts.command}: no such file or directory`
          : `${opts.command}: command not found in PATH=${found.searched}`,
      );
    }
    return fail(
      126,
      `${opts.command}: ${
        found.reason === "is_directory" ? "is a directory" : "permission denied"
      }`,
    );
  }
  let child: ChildProcess;
  try {
    child = opts.spawn(found.path, opts.args, {
      argv0: opts.command,
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      windowsHide: true,
    });
  } catch (err) {
    return fail(126, `${opts.command}: ${(err as Error).message.split("\n")[0]}`);
  }

  const chunks: Uint8Array[] = [];
  let size = 0;
  const keep = (bytes: Uint8Array) => {
    if (bytes.length === 0) return;
    opts.onOutput?.(bytes);
    chunks.push(bytes.slice());
    size += bytes.length;
    while (size > max && chunks.length > 1) size -= chunks.shift()!.length;
  };
  const relay = (src: NodeJS.ReadableStream | null) =>
    new Promise<void>((resolveRelay) => {
      if (!src) return resolveRelay();
      const masker = new StreamMasker(opts.secrets);
      let ended = false;
      src.on("data", (c: Uint8Array) => keep(masker.push(c)));
      const end = () => {
        if (ended) return;
        ended = true;
        keep(masker.flush());
        resolveRelay();
      };
      src.once("end", end);
      src.once("close", end);
      src.once("error", end);
    });
  const relays = Promise.all([relay(child.stdout), relay(child.stderr)]);
  let timedOut = false;
  let aborted = false;

  const exit = await new Promise<{ code: number; signal: string | null; error?: string }>(
    (resolveExit) => {
      child.once("exit", (code, signal) => resolveExit({ code: exitCodeOf(code, signal), signal }));
      child.once("error", (err) => {
        if (child.pid === undefined) {
          resolveExit({
            code: 126,
            signal: null,
            error: `${opts.command}: ${(err as Error).message.split("\n")[0]}`,
          });
        }
      });
      if (child.pid === undefined) return;
      const pid = child.pid;
      const stop = () => {
        signalGroup(pid, "SIGTERM");
        const k = setTimeout(() => signalGroup(pid, "SIGKILL"), KILL_GRACE_MS);
        child.once("exit", () => clearTimeout(k));
      };
      if (opts.timeoutMs !== undefined) {
        const t = setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
        child.once("exit", () => clearTimeout(t));
      }
      const abortSignal = opts.signal;
      if (abortSignal) {
        const onAbort = () => {
          aborted = true;
          stop();
        };
        if (abortSignal.aborted) onAbort();
        else {
          abortSignal.addEventListener("abort", onAbort, { once: true });
          child.once("exit", () => abortSignal.removeEventListener("abort", onAbort));
        }
      }
    },
  );
  // Nothing the command started outlives it.
  if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
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
    ...(exit.error ? { startError: exit.error } : {}),
    durationMs: Date.now() - started,
  };
}
