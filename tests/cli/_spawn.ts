/**
 * Starts credkit as a user would: `$CREDKIT_BIN` when set (the compiled
 * binary), otherwise `deno run -A main.ts` (see `tests/_credkit.ts`).
 *
 * @module
 */
import process from "node:process";
import { credkitArgv, ROOT, runProcess } from "../_credkit.ts";

export { credkitArgv, ROOT };

/** Exit code and output of a process. */
export interface Spawned {
  /** Exit code, `null` when it died of a signal. */
  code: number | null;
  /** stdout. */
  out: string;
  /** stderr. */
  err: string;
}

/**
 * Runs `argv` with exactly `env`, feeding `stdin` (closed when absent); killed
 * after `timeoutMs` (default 30 s).
 *
 * @example
 * ```ts
 * const r = await spawnCapture([...credkitArgv(), "--version"], { env: { PATH: "/usr/bin" } });
 * ```
 */
export async function spawnCapture(
  argv: string[],
  options: { env: Record<string, string>; cwd?: string; stdin?: string; timeoutMs?: number },
): Promise<Spawned> {
  const { code, out, err } = await runProcess(argv, {
    ...options,
    timeoutMs: options.timeoutMs ?? 30000,
  });
  return { code, out, err };
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
