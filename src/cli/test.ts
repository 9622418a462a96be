/**
 * `credkit test [backend…]`: test-all-backends. This module parses the
 * options; the work is done in src/supervise/test_all.ts.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { testAllBackends } from "../supervise/test_all.ts";
import { optBool, optString } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The options of `credkit test`, parsed once. */
export interface TestOptions {
  /** Backends named on the command line (all declared ones when empty). */
  backends: string[];
  /** `--jobs N`: how many backends run at once. @default 1 */
  jobs: number;
  /** `--junit FILE`: also write a JUnit XML report. */
  junit?: string;
  /** `--require-all`: missing credentials fail instead of skipping. */
  requireAll: boolean;
  /** `--server NAME`: start this server before the tests and stop it after. */
  server?: string;
}

/**
 * Parses `test`'s arguments; exit 2 for a `--jobs` that is not a positive
 * whole number.
 *
 * @example
 * ```ts
 * parseTestOptions({ values: { jobs: "2" }, positionals: ["s3"], rest: [] }).jobs; // 2
 * ```
 */
export function parseTestOptions(args: ParsedArgs): TestOptions {
  const rawJobs = optString(args, "jobs") ?? "1";
  const jobs = Number(rawJobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw usageError("Invalid --jobs", `"${rawJobs}" is not a positive whole number`);
  }
  return {
    backends: args.positionals,
    jobs,
    junit: optString(args, "junit"),
    requireAll: optBool(args, "require-all"),
    server: optString(args, "server"),
  };
}

/**
 * Runs `test`.
 *
 * @example
 * ```ts
 * const code = await runTest(ctx, parseTestOptions(args));
 * ```
 */
export function runTest(ctx: Context, opts: TestOptions): Promise<number> {
  return testAllBackends(ctx, opts);
}

/** The `test` command. */
export const testCommand: Command = {
  name: "test",
  summary: "test every backend with only its own credentials (table, JSON, JUnit)",
  usage:
    `Usage: credkit test [backend...] [--jobs N] [--json] [--junit FILE] [--require-all] [--server NAME]

Runs the test command of each backend declared in credkit.json ("backends"), or
of the backends named, each with only its own services' variables: every other
catalog variable is removed from its environment. A backend whose credentials
are missing is skipped with the missing variables named (failed with
--require-all). Captured output is masked; a failing backend's output is shown
on stderr (every backend's with -v). Exit 0 when nothing failed, else 1.

  --jobs N        run N backends at once (default 1)
  --json          {"results": [{"backend", "status", "durationMs", "missing"}], "passed", "failed", "skipped"}
  --junit FILE    also write a JUnit XML report (for CI)
  --require-all   missing credentials fail instead of skipping
  --server NAME   start server NAME before the tests (with whatever credentials
                  exist) and stop it after

Examples:
  credkit test
  credkit test huggingface s3 --jobs 2
  credkit test --junit report.xml --require-all`,
  options: {
    jobs: { type: "string" },
    junit: { type: "string" },
    "require-all": { type: "boolean" },
    server: { type: "string" },
  },
  run: (ctx, args) => runTest(ctx, parseTestOptions(args)),
};
