/**
 * Starts credkit as a user would: `$CREDKIT_BIN` when set (the compiled
 * binary), otherwise `deno run -A main.ts`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import process from "node:process";

/** The repository root. */
export const ROOT: string = resolve(import.meta.dirname ?? ".", "..", "..");

/**
 * The argv prefix that starts credkit.
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

/** Exit code and output of a process. */
export interface Spawned {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `argv` with exactly `env`, feeding `stdin` (closed when absent).
 *
 * @example
 * ```ts
 * const r = await spawnCapture([...credkitArgv(), "--version"], { env: { PATH: "/usr/bin" } });
 * ```
 */
export function spawnCapture(
  argv: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string; timeoutMs?: number },
): Promise<Spawned> {
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
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30000);
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, out, err });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/**
 * The environment a test child gets: PATH, HOME and Deno's cache, plus `extra`.
 *
 * @example
 * ```ts
 * baseEnv({ CREDKIT_HOME: "/tmp/ck" });
 * ```
 */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR", "LANG"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}
