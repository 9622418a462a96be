/**
 * The one way tests start credkit as a separate process, as a user would:
 * `$CREDKIT_BIN` (the compiled binary) when set, otherwise
 * `deno run -A main.ts`. `tests/cli/_spawn.ts`, `tests/e2e/_runtimes.ts` and
 * `tests/supervise/_credkit.ts` build on it.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";

/** The repository root. */
export const ROOT: string = resolve(import.meta.dirname ?? ".", "..");

/**
 * The argv prefix that starts credkit: `[$CREDKIT_BIN]`, or Deno with
 * `run -A main.ts`.
 *
 * @example
 * ```ts
 * const [cmd, ...args] = credkitArgv();
 * ```
 */
export function credkitArgv(): string[] {
  const bin = process.env.CREDKIT_BIN;
  if (bin) return [resolve(bin)];
  return [join(ROOT, "node_modules", ".bin", "deno"), "run", "-A", join(ROOT, "main.ts")];
}

/** How {@link runProcess} starts a process. */
export interface ProcessOptions {
  /** The whole environment of the process. */
  env: Record<string, string>;
  /** Working directory (default: the tests' own). */
  cwd?: string;
  /** Bytes fed to stdin, which is then closed (default: closed at once). */
  stdin?: string | Uint8Array;
  /** Killed with SIGKILL after this long (default: never). */
  timeoutMs?: number;
}

/** Exit status and output of a finished process. */
export interface ProcessResult {
  /** Exit code, `null` when it died of a signal. */
  code: number | null;
  /** The signal it died of, if any. */
  signal: NodeJS.Signals | null;
  /** Everything it wrote on stdout (UTF-8). */
  out: string;
  /** Everything it wrote on stderr (UTF-8). */
  err: string;
}

/**
 * Runs `argv` to completion with exactly `options.env`, collecting its output.
 *
 * @example
 * ```ts
 * const r = await runProcess([...credkitArgv(), "--version"], { env: { PATH: "/usr/bin" } });
 * ```
 */
export function runProcess(argv: string[], options: ProcessOptions): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: options.env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const timer = options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out, err });
    });
    child.stdin.on("error", () => {/* the process exited without reading */});
    child.stdin.end(options.stdin ?? "");
  });
}
