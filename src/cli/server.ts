/**
 * `credkit server start|stop|restart|status|logs|run <name>`: long-running
 * servers (MCP servers, local APIs) declared in credkit.json, started with
 * their resolved credentials, supervised, logged with secrets masked, and
 * restarted when they crash or when their credentials change.
 *
 * @module
 */
import * as fs from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import process from "node:process";
import type { ServiceDef } from "../catalog.ts";
import type { LoadedConfig, ServerDef } from "../config.ts";
import { CredkitError, usageError } from "../errors.ts";
import { missingVariables, type ResolvedService, secretValues } from "../resolve.ts";
import { selfCommand } from "../runtime.ts";
import { launch } from "../process/launch.ts";
import { onTerminationSignals } from "../process/signals.ts";
import { updateEntry } from "../store/backend.ts";
import { maskString } from "../supervise/mask.ts";
import {
  changedCredentials,
  credentialRecords,
  isSameProcess,
  listServerStates,
  processStartTime,
  readServerState,
  removeServerState,
  serverPaths,
  type ServerState,
  signalRecorded,
  supervisorAlive,
} from "../supervise/server_state.ts";
import { fdWriter, NO_READY_CHECK_GRACE_MS, supervise } from "../supervise/supervisor.ts";
import { stdioWriter } from "../supervise/stdio_writer.ts";
import { authTokenResolver } from "../auth/context_store.ts";
import {
  note,
  optBool,
  optString,
  printJson,
  renderTable,
  resolveWith,
  servicesNamed,
} from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** Lines of the log shown when a server fails to start. */
export const FAILURE_LOG_LINES = 20;
/** Time the detached supervisor may take to come up, on top of the readiness timeout. */
const SUPERVISOR_STARTUP_MS = 10_000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A declared server with its config. */
interface ServerTarget {
  name: string;
  def: ServerDef;
  config: LoadedConfig;
  /** Absolute working directory of the server. */
  cwd: string;
}

async function serverTarget(ctx: Context, name: string | undefined): Promise<ServerTarget> {
  const config = await ctx.config();
  const known = Object.keys(config.servers);
  if (!name) {
    throw usageError(
      "Missing server name",
      known.length ? `known servers: ${known.join(", ")}` : "no servers are declared",
      'declare servers in credkit.json under "servers"',
    );
  }
  const def = config.servers[name];
  if (!def) {
    throw usageError(
      `Unknown server "${name}"`,
      known.length
        ? `known servers are ${known.join(", ")}`
        : `no servers are declared in ${config.path ?? "credkit.json"}`,
      'declare it in credkit.json under "servers"',
    );
  }
  return { name, def, config, cwd: resolvePath(config.baseDir, def.cwd ?? ".") };
}

function serverServices(target: ServerTarget): ServiceDef[] {
  return target.def.services.length ? servicesNamed(target.config, target.def.services) : [];
}

async function resolveServer(
  ctx: Context,
  target: ServerTarget,
): Promise<Record<string, ResolvedService>> {
  return await resolveWith(ctx, serverServices(target), authTokenResolver(ctx));
}

function missingError(
  target: ServerTarget,
  resolved: Record<string, ResolvedService>,
): CredkitError {
  const missing = missingVariables(resolved);
  const services = Object.entries(resolved)
    .filter(([, fields]) => Object.values(fields).some((f) => f.value === undefined))
    .map(([svc]) => svc);
  return new CredkitError(
    "missing",
    `Cannot start server ${target.name}`,
    `missing ${missing.join(", ")}`,
    `add them with credkit add ${services.join(" / credkit add ")}, or pass --allow-missing`,
  );
}

/** On a terminal, offers to add the missing fields now; returns whether any were stored. */
async function offerToAdd(
  ctx: Context,
  target: ServerTarget,
  resolved: Record<string, ResolvedService>,
): Promise<boolean> {
  const missing = missingVariables(resolved);
  ctx.io.err(`credkit: server ${target.name} needs ${missing.join(", ")}\n`);
  const answer = (await ctx.io.prompt("Add them now? [y/N] ")).trim().toLowerCase();
  if (answer !== "y" && answer !== "yes") return false;
  const store = await ctx.stores.writable();
  let stored = false;
  for (const [svc, fields] of Object.entries(resolved)) {
    const values: Record<string, string> = {};
    for (const f of Object.values(fields)) {
      if (f.value !== undefined) continue;
      const value = await ctx.io.prompt(`${svc} ${f.field} (${f.variable}): `, {
        hidden: f.secret,
      });
      if (value !== "") values[f.field] = value;
    }
    if (Object.keys(values).length === 0) continue;
    await updateEntry(store, svc, (cur) => ({ ...(cur ?? {}), ...values }));
    note(ctx, `credkit: stored ${svc} (${Object.keys(values).join(", ")}) in ${store.name}`);
    stored = true;
  }
  return stored;
}

/** The last `n` lines of a file (empty when it cannot be read). */
function tailLines(path: string, n: number): string[] {
  let text: string;
  try {
    const fd = fs.openSync(path, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 256 * 1024);
      const buf = new Uint8Array(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = new TextDecoder().decode(buf);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.slice(-n);
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Start even when credentials are missing. */
  allowMissing?: boolean;
  /** Also restart the server when its credentials change. */
  watch?: boolean;
}

/** What {@link startServer} reports. */
export interface StartResult {
  name: string;
  pid: number;
  supervisorPid: number;
  logPath: string;
  /** True when the server was already running (nothing was started). */
  alreadyRunning: boolean;
}

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
  const paths = serverPaths(ctx.stateDir, name);
  const existing = readServerState(ctx.stateDir, name);
  if (existing && supervisorAlive(existing)) {
    return {
      name,
      pid: existing.pid,
      supervisorPid: existing.supervisorPid,
      logPath: existing.logPath,
      alreadyRunning: true,
    };
  }
  let resolved = await resolveServer(ctx, target);
  if (missingVariables(resolved).length > 0 && !options.allowMissing) {
    if (ctx.globals.noInput || !(await offerToAdd(ctx, target, resolved))) {
      throw missingError(target, resolved);
    }
    resolved = await resolveServer(ctx, target);
    if (missingVariables(resolved).length > 0) throw missingError(target, resolved);
  }
  const secrets = secretValues(resolved);

  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  try {
    fs.renameSync(paths.log, `${paths.log}.1`);
  } catch { /* no previous log */ }
  const logFd = fs.openSync(paths.log, "a", 0o600);
  const [cmd, ...selfArgs] = selfCommand();
  const args = [
    ...selfArgs,
    "server",
    "run",
    name,
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
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  let child;
  try {
    child = await launch({
      command: cmd,
      args,
      env,
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
      `Cannot start server ${name}`,
      `cannot run ${cmd}: ${child.why}`,
    );
  }
  const supervisorPid = child.pid;
  let supervisorExit: number | null | undefined;
  child.exited.then((exit) => (supervisorExit = exit.code));

  const fail = (why: string): never => {
    const lines = tailLines(paths.log, FAILURE_LOG_LINES).map((l) => maskString(l, secrets));
    if (lines.length) {
      ctx.io.err(`last ${lines.length} line${lines.length === 1 ? "" : "s"} of ${paths.log}:\n`);
      ctx.io.err(lines.map((l) => `  ${l}\n`).join(""));
    }
    throw new CredkitError("error", `Cannot start server ${name}`, why, `log: ${paths.log}`);
  };

  /** Stops a supervisor that has not reported ready (it is our child, not yet reaped). */
  const abortStart = async () => {
    if (supervisorExit === undefined && supervisorPid) {
      try {
        process.kill(supervisorPid, "SIGTERM");
      } catch { /* exited meanwhile */ }
      const gone = await waitUntil(
        () => supervisorExit !== undefined,
        target.def.stopTimeoutMs + 2000,
      );
      if (!gone) {
        try {
          process.kill(supervisorPid, "SIGKILL");
        } catch { /* exited meanwhile */ }
      }
    }
    await stopServer(ctx, name);
  };

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
        await abortStart();
        fail(`interrupted by ${interrupted} before it was ready; stopped it`);
      }
      const state = readServerState(ctx.stateDir, name);
      if (state && state.supervisorPid === supervisorPid) {
        if (state.phase === "running") {
          return { name, pid: state.pid, supervisorPid, logPath: paths.log, alreadyRunning: false };
        }
        if (state.phase === "failed" || state.phase === "stopped") {
          await waitGone(supervisorPid, () => supervisorExit !== undefined, 2000);
          fail(state.reason ?? "the server stopped before it was ready");
        }
      }
      if (supervisorExit !== undefined) {
        const after = readServerState(ctx.stateDir, name);
        fail(
          after && after.supervisorPid === supervisorPid && after.reason
            ? after.reason
            : `the supervisor exited with code ${supervisorExit} before the server was ready`,
        );
      }
      if (ctx.clock() > deadline) {
        await abortStart();
        fail(`not ready after ${Math.round((readyTimeout + SUPERVISOR_STARTUP_MS) / 1000)} s`);
      }
      await sleep(POLL_MS);
    }
  } finally {
    stopListening();
    child.unref();
  }
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

function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The `status` of one server, as `--json` prints it. */
export interface ServerStatus {
  name: string;
  running: boolean;
  phase: ServerState["phase"] | "not started";
  pid: number | null;
  supervisorPid: number | null;
  uptimeMs: number | null;
  restarts: number;
  logPath: string;
  reason?: string;
  credentials: { name: string; variable: string; source: string | null; changed: boolean }[];
}

/**
 * The status of a server: running or not (checked against the recorded
 * start times), pid, uptime, restarts, and its credentials by name and
 * source with whether each changed since the server started.
 *
 * @example
 * ```ts
 * const s = await serverStatus(ctx, "ipfs-mcp");
 * s.credentials.filter((c) => c.changed); // credentials a restart would pick up
 * ```
 */
export async function serverStatus(ctx: Context, name: string): Promise<ServerStatus> {
  const config = await ctx.config();
  const paths = serverPaths(ctx.stateDir, name);
  const state = readServerState(ctx.stateDir, name);
  if (!state) {
    return {
      name,
      running: false,
      phase: "not started",
      pid: null,
      supervisorPid: null,
      uptimeMs: null,
      restarts: 0,
      logPath: paths.log,
      credentials: [],
    };
  }
  const supervisor = supervisorAlive(state);
  const server = isSameProcess(state);
  const running = supervisor || server;
  let changed = new Set<string>();
  const def = config.servers[name];
  if (running && def) {
    const target: ServerTarget = { name, def, config, cwd: config.baseDir };
    const now = credentialRecords(await resolveServer(ctx, target), state.salt);
    changed = new Set(changedCredentials(state.credentials, now));
  }
  let reason = state.reason;
  let phase: ServerStatus["phase"] = state.phase;
  if (!running && state.phase !== "stopped" && state.phase !== "failed") {
    phase = "stopped";
    reason = state.supervisorPid && processStartTime(state.supervisorPid) !== null
      ? `its supervisor (pid ${state.supervisorPid}) is gone and the pid now belongs to another process`
      : "its supervisor is gone";
  }
  return {
    name,
    running,
    phase,
    pid: server ? state.pid : null,
    supervisorPid: supervisor ? state.supervisorPid : null,
    uptimeMs: running ? Math.max(0, ctx.clock() - state.startedAt) : null,
    restarts: state.restarts,
    logPath: state.logPath,
    ...(reason ? { reason } : {}),
    credentials: state.credentials.map((c) => ({
      name: c.name,
      variable: c.variable,
      source: c.source,
      changed: changed.has(c.name),
    })),
  };
}

function renderStatus(s: ServerStatus): string {
  let head = `${s.name}: `;
  if (s.running) {
    head += `${s.phase === "running" ? "running" : s.phase}, pid ${s.pid ?? "-"}` +
      (s.supervisorPid ? ` (supervisor ${s.supervisorPid})` : "") +
      `, up ${formatDuration(s.uptimeMs ?? 0)}, ${s.restarts} restart${
        s.restarts === 1 ? "" : "s"
      }`;
  } else {
    head += s.phase === "not started"
      ? "not running"
      : `not running (${s.phase}${s.reason ? `: ${s.reason}` : ""})`;
  }
  let out = head + "\n" + `  log: ${s.logPath}\n`;
  if (s.running && s.credentials.length) {
    const rows = [["credential", "variable", "source", "since start"]];
    for (const c of s.credentials) {
      rows.push([
        c.name,
        c.variable,
        c.source ?? "missing",
        c.changed ? "changed (restart to apply)" : "unchanged",
      ]);
    }
    out += renderTable(rows).split("\n").filter(Boolean).map((l) => `  ${l}`).join("\n") + "\n";
  }
  return out;
}

async function runLogs(
  ctx: Context,
  name: string,
  lines: number,
  follow: boolean,
): Promise<number> {
  const path = serverPaths(ctx.stateDir, name).log;
  if (!fs.existsSync(path)) {
    throw new CredkitError(
      "error",
      `No log for server ${name}`,
      `${path} does not exist`,
      `start it with credkit server start ${name}`,
    );
  }
  const tail = tailLines(path, lines);
  if (tail.length) ctx.io.out(tail.join("\n") + "\n");
  if (!follow) return 0;
  let pos = fs.statSync(path).size;
  let stopped = false;
  const stopListening = onTerminationSignals(() => (stopped = true));
  try {
    while (!stopped) {
      let size = 0;
      try {
        size = fs.statSync(path).size;
      } catch { /* rotated: wait for the new file */ }
      if (size < pos) pos = 0; // a new log after a restart
      if (size > pos) {
        const fd = fs.openSync(path, "r");
        try {
          const buf = new Uint8Array(Math.min(size - pos, 1024 * 1024));
          const n = fs.readSync(fd, buf, 0, buf.length, pos);
          pos += n;
          ctx.io.out(buf.subarray(0, n));
        } finally {
          fs.closeSync(fd);
        }
        continue;
      }
      await sleep(200);
    }
  } finally {
    stopListening();
  }
  return 0;
}

/** `server run`: the supervisor, in the foreground or as the detached child of `start`. */
async function runSupervisor(ctx: Context, name: string, args: ParsedArgs): Promise<number> {
  const target = await serverTarget(ctx, name);
  const detached = optBool(args, "detached-child");
  const paths = serverPaths(ctx.stateDir, name);
  const existing = readServerState(ctx.stateDir, name);
  if (existing && existing.supervisorPid !== process.pid && supervisorAlive(existing)) {
    throw new CredkitError(
      "error",
      `Cannot run server ${name}`,
      `it is already running (supervisor pid ${existing.supervisorPid})`,
      `stop it first: credkit server stop ${name}`,
    );
  }
  const first = await resolveServer(ctx, target);
  if (missingVariables(first).length > 0 && !optBool(args, "allow-missing")) {
    throw missingError(target, first);
  }

  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  if (!detached) {
    try {
      fs.renameSync(paths.log, `${paths.log}.1`);
    } catch { /* no previous log */ }
  }
  const logFd = fs.openSync(paths.log, "a", 0o600);
  const logFile = fdWriter(logFd);
  const stamp = () => new Date(ctx.clock()).toISOString();
  const out = detached ? logFile : tee(stdioWriter("stdout"), logFile);
  const err = detached ? logFile : tee(stdioWriter("stderr"), logFile);
  let firstResolution: Record<string, ResolvedService> | undefined = first;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v;
  try {
    return await supervise({
      name,
      def: target.def,
      cwd: target.cwd,
      resolve: async () => {
        const r = firstResolution ?? await resolveServer(ctx, target);
        firstResolution = undefined;
        return r;
      },
      baseEnv: env,
      stateDir: ctx.stateDir,
      logPath: paths.log,
      detached,
      watch: optBool(args, "watch"),
      changesDir: join(ctx.stateDir, "changes"),
      stdout: out,
      stderr: err,
      log: (line) => {
        logFile.writeLine(`${stamp()} ${line}`);
        if (!detached && !ctx.globals.quiet) ctx.io.err(line + "\n");
      },
      spawn: ctx.spawn,
      fetch: ctx.fetch,
      clock: ctx.clock,
      failBeforeReady: detached,
    });
  } finally {
    await Promise.all([flush(out), flush(err)]);
    fs.closeSync(logFd);
  }
}

type Sink = Parameters<typeof supervise>[0]["stdout"];

/** Writes to the terminal (with its backpressure) and to the log. */
function tee(terminal: Sink, log: Sink): Sink {
  terminal.on("error", () => {});
  const t = {
    write(chunk: Uint8Array): boolean {
      log.write(chunk);
      return terminal.write(chunk);
    },
    once(event: string, fn: () => void) {
      terminal.once(event, fn);
      return t;
    },
    on(event: string, fn: () => void) {
      terminal.on(event, fn);
      return t;
    },
    end(cb?: () => void) {
      terminal.write(new Uint8Array(0), () => cb?.());
    },
  };
  return t as unknown as Sink;
}

function flush(sink: Sink): Promise<void> {
  return Promise.race([
    new Promise<void>((r) => {
      const s = sink as unknown as { end?: (cb: () => void) => void };
      if (typeof s.end === "function") s.end(() => r());
      else r();
    }),
    sleep(2000),
  ]);
}

const SUBCOMMANDS = ["start", "stop", "restart", "status", "logs", "run"];

/**
 * Runs `server` (the subcommand is the first positional argument).
 *
 * @example
 * ```ts
 * const code = await runServer(ctx, { values: {}, positionals: ["status", "ipfs-mcp"], rest: [] });
 * ```
 */
export async function runServer(ctx: Context, args: ParsedArgs): Promise<number> {
  const [sub, name, ...extra] = args.positionals;
  if (!sub || !SUBCOMMANDS.includes(sub)) {
    throw usageError(
      sub ? `Unknown server subcommand "${sub}"` : "Missing server subcommand",
      `expected one of ${SUBCOMMANDS.join(", ")}`,
      "see credkit server --help",
    );
  }
  if (extra.length) throw usageError("Too many arguments", "the extra argument is not shown");
  switch (sub) {
    case "start":
    case "restart": {
      if (sub === "restart") {
        await serverTarget(ctx, name);
        const outcome = await stopServer(ctx, name!);
        if (outcome === "stopped") note(ctx, `credkit: server ${name} stopped`);
      }
      const r = await startServer(ctx, (await serverTarget(ctx, name)).name, {
        allowMissing: optBool(args, "allow-missing"),
        watch: optBool(args, "watch"),
      });
      if (ctx.globals.json) printJson(ctx, { ...r, running: true });
      else if (r.alreadyRunning) {
        note(ctx, `credkit: server ${r.name} is already running (pid ${r.pid}); log: ${r.logPath}`);
      } else {
        note(ctx, `credkit: server ${r.name} started (pid ${r.pid}); log: ${r.logPath}`);
      }
      return 0;
    }
    case "stop": {
      await serverTarget(ctx, name);
      const outcome = await stopServer(ctx, name!);
      if (ctx.globals.json) printJson(ctx, { name, outcome });
      else if (outcome === "stopped") note(ctx, `credkit: server ${name} stopped`);
      else if (outcome === "stale") {
        note(
          ctx,
          `credkit: server ${name} is not running (stale state removed; nothing was signalled)`,
        );
      } else note(ctx, `credkit: server ${name} is not running`);
      return 0;
    }
    case "status": {
      const config = await ctx.config();
      const names = name
        ? [(await serverTarget(ctx, name)).name]
        : [...new Set([...Object.keys(config.servers), ...listServerStates(ctx.stateDir)])];
      const statuses = [];
      for (const n of names) statuses.push(await serverStatus(ctx, n));
      if (ctx.globals.json) printJson(ctx, name ? statuses[0] : { servers: statuses });
      else if (statuses.length === 0) note(ctx, "credkit: no servers are declared in credkit.json");
      else ctx.io.out(statuses.map(renderStatus).join("\n"));
      return 0;
    }
    case "logs": {
      await serverTarget(ctx, name);
      const raw = optString(args, "lines") ?? "50";
      const lines = Number(raw);
      if (!Number.isInteger(lines) || lines < 0) {
        throw usageError("Invalid --lines", `"${raw}" is not a line count`);
      }
      return await runLogs(ctx, name!, lines, optBool(args, "follow"));
    }
    default:
      return await runSupervisor(ctx, name ?? "", args);
  }
}

/** The `server` command. */
export const serverCommand: Command = {
  name: "server",
  summary: "start, stop, restart, inspect and supervise long-running servers",
  usage: `Usage: credkit server start|stop|restart|status|logs|run <name> [options]

Servers are declared in credkit.json under "servers" (command, args, services,
ready {url | logLine, timeoutMs}, restart {maxRestarts, backoffMs, maxBackoffMs},
stopTimeoutMs). Their output is logged with every secret replaced by ****.

  start <name>     start detached with its credentials; wait until ready;
                   missing credentials: prompt on a terminal, else exit 3
    --allow-missing  start even when credentials are missing
    --watch          also restart it when its credentials change
  stop <name>      SIGTERM its process group, SIGKILL after stopTimeoutMs
  restart <name>   stop, then start
  status [name]    running, pid, uptime, restarts, credentials and their source,
                   and which changed since it started (--json)
  logs <name>      the last lines of its log
    -n, --lines N    how many (default 50)
    -f, --follow     keep printing new lines
  run <name>       supervise in the foreground: restart on crash with backoff,
                   give up after maxRestarts quick crashes (exit 1)
    --watch          restart within a second when a credential changes through credkit

Examples:
  credkit server start ipfs-mcp
  credkit server status --json
  credkit server logs ipfs-mcp -f
  credkit server run ipfs-mcp --watch`,
  options: {
    "allow-missing": { type: "boolean" },
    watch: { type: "boolean" },
    follow: { type: "boolean", short: "f" },
    lines: { type: "string", short: "n" },
    "detached-child": { type: "boolean" },
  },
  maxPositionals: 2,
  subcommands: ["start", "stop", "restart", "status", "logs", "run"],
  run: runServer,
};
