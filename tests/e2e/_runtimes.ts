/**
 * The ways a user runs credkit: the compiled binary, `deno run main.ts` and
 * `bun main.ts`. End-to-end tests run once per runtime.
 *
 * @module
 */
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { BUN_NO_AUTOLOAD } from "../../src/runtime/self_command.ts";
import { type ProcessResult, runProcess } from "../_credkit.ts";

const root = resolve(import.meta.dirname ?? ".", "..", "..");

/** One way to start credkit. */
export interface Runtime {
  name: "binary" | "deno" | "bun";
  /** argv prefix that starts credkit. */
  argv: string[];
}

/** Runtimes available here; the binary needs `CREDKIT_BIN` (set by npm test). */
export function runtimes(): Runtime[] {
  const list: Runtime[] = [];
  const bin = process.env.CREDKIT_BIN;
  if (bin && fs.existsSync(bin)) list.push({ name: "binary", argv: [resolve(bin)] });
  else {console.error(
      "e2e: CREDKIT_BIN not set or missing: the compiled binary is not tested in this run",
    );}
  list.push({
    name: "deno",
    argv: [join(root, "node_modules/.bin/deno"), "run", "-A", join(root, "main.ts")],
  });
  // As the README says to run it: nothing autoloaded from the working directory.
  list.push({
    name: "bun",
    argv: [join(root, "node_modules/.bin/bun"), ...BUN_NO_AUTOLOAD, join(root, "main.ts")],
  });
  return list;
}

/** Result of a credkit process. */
export type Result = ProcessResult;

/** Options for {@link credkit}. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  stdin?: string | Uint8Array;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Runs credkit with `args` under `rt`, stdin from `options.stdin` (closed when
 * absent), and returns its exit code and output.
 */
export function credkit(rt: Runtime, args: string[], options: RunOptions = {}): Promise<Result> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) {
    if (v !== undefined) env[k] = v;
  }
  return runProcess([...rt.argv, ...args], {
    env,
    cwd: options.cwd,
    stdin: options.stdin,
    timeoutMs: options.timeoutMs ?? 30000,
  });
}

/** A fresh temporary CREDKIT_HOME. */
export function tempHome(): string {
  return fs.mkdtempSync(join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-e2e-"));
}
