/**
 * `credkit test [backend…]`: test-all-backends. Each backend declared in
 * credkit.json runs its command with only its own services' credentials
 * (every other catalog variable is removed from its environment); a backend
 * whose credentials are missing is skipped (failed with `--require-all`).
 * Results as a table, JSON or JUnit XML; captured output is masked.
 *
 * @module
 */
import { resolve as resolvePath } from "node:path";
import type { LoadedConfig } from "../config.ts";
import { CredkitError, usageError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { writeFileAtomic } from "../fs_write.ts";
import { missingVariables, type ResolvedService, secretValues, toEnvironment } from "../resolve.ts";
import { runCaptured } from "../supervise/capture.ts";
import { exitCodeOf } from "../process/launch.ts";
import { forwardSignals, TERMINATION_SIGNALS } from "../process/signals.ts";
import { junitXml } from "../supervise/junit.ts";
import { maskString } from "../supervise/mask.ts";
import { authTokenResolver } from "../auth/context_store.ts";
import {
  optBool,
  optString,
  printJson,
  renderTable,
  resolveWith,
  servicesNamed,
} from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";
import { startServer, stopServer } from "./server.ts";

/** One backend's result. */
export interface BackendResult {
  backend: string;
  status: "pass" | "fail" | "skip";
  durationMs: number;
  /** Variables that had no value (canonical names). */
  missing: string[];
  /** Why it failed or was skipped ("" when it passed). */
  reason: string;
  /** Captured stdout and stderr, secrets masked. */
  output: string;
}

/** Options of {@link runBackendTests}. */
export interface BackendTestOptions {
  /** Backends to run (all declared ones when empty), in this order. */
  names: string[];
  /** How many backends run at once (default 1). */
  jobs?: number;
  /** Missing credentials fail instead of skipping. */
  requireAll?: boolean;
  /** Called as each backend finishes. */
  onResult?: (result: BackendResult) => void;
  /** Aborting stops the running backends and starts no more (they fail as interrupted). */
  signal?: AbortSignal;
  /** Holds the process groups of the backends running now (for signal forwarding). */
  groups?: Set<number>;
}

/**
 * Every variable of every service in the catalog (built-in and declared).
 *
 * @example
 * ```ts
 * catalogVariables(config).has("HF_TOKEN"); // true
 * ```
 */
export function catalogVariables(config: LoadedConfig): Set<string> {
  const out = new Set<string>();
  for (const svc of Object.values(config.services)) {
    for (const f of Object.values(svc.fields)) for (const v of f.env) out.add(v);
  }
  return out;
}

/**
 * The environment a backend starts from: credkit's own environment with every
 * catalog variable removed.
 *
 * @example
 * ```ts
 * baseEnvironment({ PATH: "/bin", HF_TOKEN: "x" }, config); // { PATH: "/bin" }
 * ```
 */
export function baseEnvironment(
  env: Record<string, string | undefined>,
  config: LoadedConfig,
): Record<string, string> {
  const remove = catalogVariables(config);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !remove.has(k)) out[k] = v;
  return out;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * Runs the backends' test commands, each with only its own credentials, and
 * returns their results in the order asked for.
 *
 * @example
 * ```ts
 * const results = await runBackendTests(ctx, { names: [], jobs: 2 });
 * results.filter((r) => r.status === "fail").length; // 0 when all passed or skipped
 * ```
 */
export async function runBackendTests(
  ctx: Context,
  options: BackendTestOptions,
): Promise<BackendResult[]> {
  const config = await ctx.config();
  const declared = Object.keys(config.backends);
  if (declared.length === 0) {
    throw usageError(
      "No backends to test",
      `no backends are declared in ${config.path ?? "credkit.json (none found)"}`,
      'declare them under "backends" in credkit.json',
    );
  }
  for (const n of options.names) {
    if (!config.backends[n]) {
      throw usageError(`Unknown backend "${n}"`, `declared backends are ${declared.join(", ")}`);
    }
  }
  const names = options.names.length ? [...new Set(options.names)] : declared;
  const base = baseEnvironment(ctx.env, config);
  const tokens = authTokenResolver(ctx);

  // Resolve first, one backend after the other (a keychain may prompt), so
  // that every secret of every backend is known for masking.
  const plans: { name: string; resolved: Record<string, ResolvedService> }[] = [];
  for (const name of names) {
    const def = config.backends[name];
    const services = def.services.length ? servicesNamed(config, def.services) : [];
    plans.push({ name, resolved: await resolveWith(ctx, services, tokens) });
  }
  const secrets = [...new Set(plans.flatMap((p) => secretValues(p.resolved)))];

  const results: BackendResult[] = new Array(plans.length);
  let next = 0;
  const worker = async () => {
    while (next < plans.length) {
      const i = next++;
      const { name, resolved } = plans[i];
      const def = config.backends[name];
      const missing = missingVariables(resolved);
      let result: BackendResult;
      if (options.signal?.aborted) {
        result = {
          backend: name,
          status: "fail",
          durationMs: 0,
          missing,
          reason: "interrupted",
          output: "",
        };
      } else if (missing.length > 0) {
        result = {
          backend: name,
          status: options.requireAll ? "fail" : "skip",
          durationMs: 0,
          missing,
          reason: `missing ${missing.join(", ")}`,
          output: "",
        };
      } else {
        if (ctx.globals.verbose) ctx.io.err(`credkit: testing ${name}\n`);
        let group: number | undefined;
        const r = await runCaptured({
          command: def.command[0],
          args: def.command.slice(1),
          env: { ...base, ...toEnvironment(resolved) },
          cwd: resolvePath(config.baseDir, def.cwd ?? "."),
          secrets,
          timeoutMs: def.timeoutMs,
          spawn: ctx.spawn,
          signal: options.signal,
          onStart: (pid) => options.groups?.add(group = pid),
        });
        if (group !== undefined) options.groups?.delete(group);
        const passed = r.code === 0 && !r.timedOut && r.startError === undefined;
        const reason = passed
          ? ""
          : r.aborted
          ? "interrupted"
          : r.timedOut
          ? `timed out after ${formatSeconds(def.timeoutMs ?? 0)}`
          : r.startError !== undefined
          ? r.startError
          : r.signal
          ? `killed by ${r.signal}`
          : `exit code ${r.code}`;
        result = {
          backend: name,
          status: passed ? "pass" : "fail",
          durationMs: r.durationMs,
          missing: [],
          reason: maskString(reason, secrets),
          output: maskString(r.output, secrets),
        };
      }
      results[i] = result;
      options.onResult?.(result);
    }
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? 1, plans.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

/**
 * The results table (backend, result, duration, reason) and the summary line.
 *
 * @example
 * ```ts
 * renderResults(results); // "BACKEND  RESULT  DURATION  REASON\n...\n2 passed, 1 failed, 1 skipped\n"
 * ```
 */
export function renderResults(results: BackendResult[]): string {
  const rows = [["BACKEND", "RESULT", "DURATION", "REASON"]];
  for (const r of results) {
    rows.push([
      r.backend,
      r.status.toUpperCase(),
      r.status === "skip" ? "-" : formatSeconds(r.durationMs),
      r.reason,
    ]);
  }
  return renderTable(rows) + summaryLine(results) + "\n";
}

function counts(results: BackendResult[]): { passed: number; failed: number; skipped: number } {
  return {
    passed: results.filter((r) => r.status === "pass").length,
    failed: results.filter((r) => r.status === "fail").length,
    skipped: results.filter((r) => r.status === "skip").length,
  };
}

/**
 * `N passed, N failed, N skipped`.
 *
 * @example
 * ```ts
 * summaryLine(results); // "1 passed, 1 failed, 1 skipped"
 * ```
 */
export function summaryLine(results: BackendResult[]): string {
  const c = counts(results);
  return `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
}

function writeJunit(ctx: Context, file: string, results: BackendResult[]): void {
  const path = resolvePath(ctx.cwd, file);
  const xml = junitXml(results.map((r) => ({
    name: r.backend,
    status: r.status,
    durationMs: r.durationMs,
    message: r.reason || undefined,
    output: r.output || undefined,
  })));
  try {
    writeFileAtomic(path, xml, 0o644);
  } catch (err) {
    throw new CredkitError("error", `Cannot write JUnit report ${path}`, describeFsError(err));
  }
}

/**
 * Runs `test`: every backend (or those named), then the table, JSON or JUnit;
 * 0 when nothing failed, 1 otherwise, 128+N when interrupted by signal N.
 *
 * @example
 * ```ts
 * const code = await runTest(ctx, { values: { jobs: "2" }, positionals: [], rest: [] });
 * ```
 */
export async function runTest(ctx: Context, args: ParsedArgs): Promise<number> {
  const rawJobs = optString(args, "jobs") ?? "1";
  const jobs = Number(rawJobs);
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw usageError("Invalid --jobs", `"${rawJobs}" is not a positive whole number`);
  }
  const serverName = optString(args, "server");
  const junit = optString(args, "junit");

  let stopAfter = false;
  if (serverName) {
    // The server gets whatever credentials exist; backends without theirs are skipped.
    const started = await startServer(ctx, serverName, { allowMissing: true });
    stopAfter = !started.alreadyRunning;
    if (!ctx.globals.quiet) {
      ctx.io.err(
        `credkit: server ${serverName} ${
          started.alreadyRunning ? "already running" : "started"
        } (pid ${started.pid})\n`,
      );
    }
  }
  // Backends run in their own process groups, out of reach of the terminal:
  // SIGINT, SIGTERM and SIGHUP make credkit stop them; every other signal is
  // forwarded to them, job control included.
  const abort = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const groups = new Set<number>();
  const stopForwarding = forwardSignals({
    groups: () => groups,
    intercept: (sig) => {
      if (!TERMINATION_SIGNALS.includes(sig)) return false;
      interrupted ??= sig;
      abort.abort();
      return true;
    },
  });
  let results: BackendResult[];
  try {
    results = await runBackendTests(ctx, {
      names: args.positionals,
      jobs,
      requireAll: optBool(args, "require-all"),
      signal: abort.signal,
      groups,
    });
  } finally {
    stopForwarding();
    if (serverName && stopAfter) await stopServer(ctx, serverName);
  }

  for (const r of results) {
    if (ctx.globals.quiet || !r.output) continue;
    if (r.status === "fail" || ctx.globals.verbose) {
      ctx.io.err(
        `--- ${r.backend} (${r.status.toUpperCase()}) output ---\n${r.output}${
          r.output.endsWith("\n") ? "" : "\n"
        }`,
      );
    }
  }
  if (junit) writeJunit(ctx, junit, results);
  const c = counts(results);
  if (ctx.globals.json) {
    printJson(ctx, {
      results: results.map((r) => ({
        backend: r.backend,
        status: r.status,
        durationMs: r.durationMs,
        missing: r.missing,
        reason: r.reason,
      })),
      ...c,
    });
  } else {
    ctx.io.out(renderResults(results));
  }
  if (interrupted) return exitCodeOf(null, interrupted);
  return c.failed === 0 ? 0 : 1;
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
  run: runTest,
};
