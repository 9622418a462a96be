/**
 * Starting and stopping declared servers: `start` launches a detached
 * credkit supervisor (`server run --detached-child`) with the log as its
 * output and waits until the state file says the server is ready; `stop`
 * signals only processes whose recorded start time still matches.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import { CredkitError } from "../errors.ts";
import { missingVariables, type ResolvedService, secretValues } from "../resolve.ts";
import { selfCommand } from "../runtime/self_command.ts";
import { launch, type Launched } from "../process/launch.ts";
import { onTerminationSignals } from "../process/signals.ts";
import { maskString } from "../mask/policy.ts";
import type { Context } from "../cli/context.ts";
import {
  isSameProcess,
  processStartTime,
  readServerState,
  removeServerState,
  serverPaths,
  signalRecorded,
  supervisorAlive,
} from "./server_state.ts";
import { tailLines } from "./server_logs.ts";
import {
  definedEnv,
  missingError,
  offerToAdd,
  resolveServer,
  type ServerTarget,
  serverTarget,
} from "./server_target.ts";
import { NO_READY_CHECK_GRACE_MS } from "./server_instance.ts";

/** Lines of the log shown when a server fails to start. */
export const FAILURE_LOG_LINES = 20;
/** Time the detached supervisor may take to come up, on top of the readiness timeout. */
const SUPERVISOR_STARTUP_MS = 10_000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Start even when credentials are missing. @default false */
  allowMissing?: boolean;
  /** Also restart the server when its credentials change. @default false */
  watch?: boolean;
}

/** What {@link startServer} reports. */
export interface StartResult {
  /** The server's name. */
  name: string;
  /** The server's pid. */
  pid: number;
  /** The pid of its detached supervisor. */
  supervisorPid: number;
  /** Path of its log. */
  logPath: string;
  /** True when the server was already running (nothing was started). */
  alreadyRunning: boolean;
}

type ServerFiles = ReturnType<typeof serverPaths>;

/**
 * Starts a declared server detached, under a credkit supervisor, and waits
 * until it is ready. Throws exit 3 for missing credentials (after offering to
 * add them on a terminal), exit 1 with the last log lines on stderr when it
 * exits or times out before it is ready.
 *
 * @example
 * ```ts
 * const r = await startServer(ctx, "ipfs-mcp");
 * console.error(`pid ${r.pid}, log ${r.logPath}`);
 * ```
 */
export async function startServer(
  ctx: Context,
  name: string,
  options: StartOptions = {},
): Promise<StartResult> {
  const target = await serverTarget(ctx, name);
  const running = alreadyRunning(ctx, name);
  if (running) return running;
  const resolved = await credentialsForStart(ctx, target, options);
  const paths = serverPaths(ctx.stateDir, name);
  const child = await launchSupervisor(ctx, target, options, paths);
  const start: PendingStart = {
    ctx,
    target,
    paths,
    child,
    secrets: secretValues(resolved),
    exitCode: undefined,
  };
  child.exited.then((exit) => (start.exitCode = exit.code));
  try {
    return await waitUntilReady(start);
  } finally {
    child.unref();
  }
}

/** Step 1: the recorded server, when its supervisor still runs. */
function alreadyRunning(ctx: Context, name: string): StartResult | undefined {
  const existing = readServerState(ctx.stateDir, name);
  if (!existing || !supervisorAlive(existing)) return undefined;
  return {
    name,
    pid: existing.pid,
    supervisorPid: existing.supervisorPid,
    logPath: existing.logPath,
    alreadyRunning: true,
  };
}

/** Step 2: the credentials, after offering to add missing ones on a terminal. */
async function credentialsForStart(
  ctx: Context,
  target: ServerTarget,
  options: StartOptions,
): Promise<Record<string, ResolvedService>> {
  const resolved = await resolveServer(ctx, target);
  if (missingVariables(resolved).length === 0 || options.allowMissing) return resolved;
  if (ctx.globals.noInput || !(await offerToAdd(ctx, target, resolved))) {
    throw missingError(target, resolved);
  }
  const again = await resolveServer(ctx, target);
  if (missingVariables(again).length > 0) throw missingError(target, again);
  return again;
}

/** The arguments of the detached `credkit server run` that supervises the server. */
function supervisorArgs(ctx: Context, target: ServerTarget, options: StartOptions): string[] {
  const args = [
    "server",
    "run",
    target.name,
    "--detached-child",
    "--no-input",
    "--file",
    ctx.stores.filePath,
  ];
  if (target.config.path) args.push("--config", target.config.path);
  if (ctx.stores.chosen) args.push("--store", ctx.stores.chosen);
  if (options.allowMissing) args.push("--allow-missing");
  if (options.watch) args.push("--watch");
  if (ctx.globals.quiet) args.push("--quiet");
  return args;
}

/** Step 3: a fresh log (the previous one kept as `.1`) and the detached supervisor writing to it. */
async function launchSupervisor(
  ctx: Context,
  target: ServerTarget,
  options: StartOptions,
  paths: ServerFiles,
): Promise<Launched> {
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  try {
    fs.renameSync(paths.log, `${paths.log}.1`);
  } catch { /* no previous log */ }
  const logFd = fs.openSync(paths.log, "a", 0o600);
  const [cmd, ...selfArgs] = selfCommand();
  let child;
  try {
    child = await launch({
      command: cmd,
      args: [...selfArgs, ...supervisorArgs(ctx, target, options)],
      env: definedEnv(ctx.env),
      cwd: ctx.cwd,
      stdio: ["ignore", logFd, logFd],
      spawn: ctx.spawn,
    });
  } finally {
    fs.closeSync(logFd);
  }
  if (!child.ok) {
    throw new CredkitError(
      "error",
      `Cannot start server ${target.name}`,
      `cannot run ${cmd}: ${child.why}`,
    );
  }
  return child;
}

/** A supervisor launched by {@link startServer} that has not reported ready yet. */
interface PendingStart {
  ctx: Context;
  target: ServerTarget;
  paths: ServerFiles;
  child: Launched;
  secrets: string[];
  /** The supervisor's exit code once it exited. */
  exitCode: number | undefined;
}

/** Step 4: polls the state file until the server runs, fails, or the time is up. */
async function waitUntilReady(start: PendingStart): Promise<StartResult> {
  const { ctx, target, paths, child } = start;
  const name = target.name;
  const readyTimeout = target.def.ready?.url || target.def.ready?.logLine
    ? target.def.ready.timeoutMs
    : NO_READY_CHECK_GRACE_MS;
  const deadline = ctx.clock() + readyTimeout + SUPERVISOR_STARTUP_MS;
  // Interrupted while waiting: the half-started server must not stay behind.
  let interrupted: NodeJS.Signals | undefined;
  const stopListening = onTerminationSignals((sig) => (interrupted ??= sig));
  try {
    for (;;) {
      if (interrupted) {
        await abortStart(start);
        failStart(start, `interrupted by ${interrupted} before it was ready; stopped it`);
      }
      const state = readServerState(ctx.stateDir, name);
      if (state && state.supervisorPid === child.pid) {
        if (state.phase === "running") {
          return {
            name,
            pid: state.pid,
            supervisorPid: child.pid,
            logPath: paths.log,
            alreadyRunning: false,
          };
        }
        if (state.phase === "failed" || state.phase === "stopped") {
          await waitGone(child.pid, () => start.exitCode !== undefined, 2000);
          failStart(start, state.reason ?? "the server stopped before it was ready");
        }
      }
      if (start.exitCode !== undefined) {
        const after = readServerState(ctx.stateDir, name);
        failStart(
          start,
          after && after.supervisorPid === child.pid && after.reason
            ? after.reason
            : `the supervisor exited with code ${start.exitCode} before the server was ready`,
        );
      }
      if (ctx.clock() > deadline) {
        await abortStart(start);
        failStart(
          start,
          `not ready after ${Math.round((readyTimeout + SUPERVISOR_STARTUP_MS) / 1000)} s`,
        );
      }
      await sleep(POLL_MS);
    }
  } finally {
    stopListening();
  }
}

/** Shows the last (masked) lines of the log and throws the start failure. */
function failStart(start: PendingStart, why: string): never {
  const { ctx, paths, secrets } = start;
  const lines = tailLines(paths.log, FAILURE_LOG_LINES).map((l) => maskString(l, secrets));
  if (lines.length) {
    ctx.io.err(`last ${lines.length} line${lines.length === 1 ? "" : "s"} of ${paths.log}:\n`);
    ctx.io.err(lines.map((l) => `  ${l}\n`).join(""));
  }
  throw new CredkitError(
    "error",
    `Cannot start server ${start.target.name}`,
    why,
    `log: ${paths.log}`,
  );
}

/** Stops a supervisor that has not reported ready (it is our child, not yet reaped). */
async function abortStart(start: PendingStart): Promise<void> {
  const pid = start.child.pid;
  if (start.exitCode === undefined && pid) {
    try {
      process.kill(pid, "SIGTERM");
    } catch { /* exited meanwhile */ }
    const gone = await waitUntil(
      () => start.exitCode !== undefined,
      start.target.def.stopTimeoutMs + 2000,
    );
    if (!gone) {
      try {
        process.kill(pid, "SIGKILL");
      } catch { /* exited meanwhile */ }
    }
  }
  await stopServer(start.ctx, start.target.name);
}

async function waitGone(pid: number, exited: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  const start = processStartTime(pid);
  while (Date.now() < until && !exited() && start !== null && processStartTime(pid) === start) {
    await sleep(POLL_MS);
  }
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (cond()) return true;
    if (Date.now() >= until) return false;
    await sleep(POLL_MS);
  }
}

/** What {@link stopServer} did. */
export type StopOutcome = "stopped" | "not_running" | "stale";

/**
 * Stops a server: SIGTERM to its supervisor (which stops the server's process
 * group, SIGKILL after `stopTimeoutMs`), or to the server's group when its
 * supervisor is gone; SIGKILL when they do not exit in time. Only processes
 * whose recorded start time still matches are ever signalled.
 *
 * @example
 * ```ts
 * await stopServer(ctx, "ipfs-mcp"); // "stopped"
 * ```
 */
export async function stopServer(ctx: Context, name: string): Promise<StopOutcome> {
  const config = await ctx.config();
  const stopTimeoutMs = config.servers[name]?.stopTimeoutMs ?? 5000;
  const state = readServerState(ctx.stateDir, name);
  if (!state) return "not_running";
  const supervisor = supervisorAlive(state);
  const server = isSameProcess(state);
  if (!supervisor && !server) {
    removeServerState(ctx.stateDir, name);
    return state.phase === "stopped" || state.phase === "failed" ? "not_running" : "stale";
  }
  if (supervisor) {
    // Only the supervisor itself: in the foreground it shares a group with the user's shell job.
    try {
      process.kill(state.supervisorPid, "SIGTERM");
    } catch { /* exited meanwhile */ }
    const gone = await waitUntil(() => !supervisorAlive(state), stopTimeoutMs + 2000);
    if (!gone && supervisorAlive(state)) {
      try {
        process.kill(state.supervisorPid, "SIGKILL");
      } catch { /* exited meanwhile */ }
    }
  } else {
    signalRecorded(state.pid, state.startTime, "SIGTERM");
    await waitUntil(() => !isSameProcess(state), stopTimeoutMs);
  }
  // Whatever is left of the server (recorded by the supervisor, possibly after a restart).
  const latest = readServerState(ctx.stateDir, name) ?? state;
  for (const s of [state, latest]) signalRecorded(s.pid, s.startTime, "SIGKILL");
  removeServerState(ctx.stateDir, name);
  return "stopped";
}
