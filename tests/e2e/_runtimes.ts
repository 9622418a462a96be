/**
 * The ways a user runs credkit: the compiled binary, `deno run main.ts` and
 * `bun main.ts`. End-to-end tests run once per runtime.
 *
 * @module
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { BUN_NO_AUTOLOAD } from "../../src/runtime.ts";

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
export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

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
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...options.env })) {
      if (v !== undefined) env[k] = v;
    }
    const child = spawn(rt.argv[0], [...rt.argv.slice(1), ...args], {
      env,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, out, err });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/** A fresh temporary CREDKIT_HOME. */
export function tempHome(): string {
  return fs.mkdtempSync(join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-e2e-"));
}
