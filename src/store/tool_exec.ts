/**
 * Runs a helper program (gpg, pass, gopass, git) to completion: input on
 * stdin (secrets never go into argv), output captured, bounded by a timeout
 * after which the program is killed. Used by the stores that delegate to
 * other tools.
 *
 * @module
 */
import type { Env } from "../paths.ts";

/** What a helper program did. */
export interface ToolResult {
  /** Exit code; `null` when it was killed. */
  code: number | null;
  /** Everything written to stdout. */
  stdout: Uint8Array;
  /** Everything written to stderr, as text. */
  stderr: string;
  /** True when the timeout killed it. */
  timedOut: boolean;
  /** True when the program was not found on PATH. */
  notFound: boolean;
}

/** Options for {@link runTool}. */
export interface ToolOptions {
  /** The whole environment of the program. */
  env: Env;
  /** Bytes or text written to stdin, which is then closed (default: empty). */
  stdin?: string | Uint8Array;
  /** Kill the program after this many ms (default 15000). */
  timeoutMs?: number;
  /** Give the program credkit's own stdin (for a pinentry on the terminal). */
  inheritStdin?: boolean;
}

/** The signature of {@link runTool}, for injecting a fake in tests. */
export type ToolRunner = (argv: string[], options: ToolOptions) => Promise<ToolResult>;

/**
 * Runs `argv[0]` with `argv.slice(1)` and collects its output.
 *
 * @example
 * ```ts
 * const r = await runTool(["gpg", "--version"], { env: process.env });
 * if (r.code === 0) console.log(new TextDecoder().decode(r.stdout));
 * ```
 */
export async function runTool(argv: string[], options: ToolOptions): Promise<ToolResult> {
  // Loaded on first use: most commands never start a helper program.
  const { spawn } = await import("node:child_process");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env[k] = v;
  return await new Promise<ToolResult>((resolve) => {
    const out: Uint8Array[] = [];
    let err = "";
    let timedOut = false;
    let settled = false;
    const child = spawn(argv[0], argv.slice(1), {
      env,
      stdio: [options.inheritStdin ? "inherit" : "pipe", "pipe", "pipe"],
    });
    const finish = (result: ToolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 15000);
    child.stdout!.on("data", (d: Uint8Array) => out.push(d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", (e: NodeJS.ErrnoException) => {
      finish({
        code: null,
        stdout: new Uint8Array(),
        stderr: e.message,
        timedOut,
        notFound: e.code === "ENOENT",
      });
    });
    child.on("close", (code) => {
      const total = out.reduce((n, c) => n + c.length, 0);
      const stdout = new Uint8Array(total);
      let at = 0;
      for (const c of out) {
        stdout.set(c, at);
        at += c.length;
      }
      finish({ code, stdout, stderr: err, timedOut, notFound: false });
    });
    if (child.stdin) {
      child.stdin.on("error", () => {/* the program exited without reading */});
      child.stdin.end(options.stdin ?? "");
    }
  });
}
