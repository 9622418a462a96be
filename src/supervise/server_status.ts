/**
 * `server status`: whether a server runs (checked against the recorded
 * process start times), its pid, uptime, restarts, and its credentials by
 * name and source with whether each changed since it started.
 *
 * @module
 */
import { renderTable } from "../cli/common.ts";
import type { Context } from "../cli/context.ts";
import { formatDuration } from "./duration.ts";
import {
  changedCredentials,
  credentialRecords,
  isSameProcess,
  listServerStates,
  processStartTime,
  readServerState,
  serverPaths,
  type ServerState,
  supervisorAlive,
} from "./server_state.ts";
import { resolveServer, type ServerTarget, serverTarget } from "./server_target.ts";

/** One credential of a server in its status. */
export interface CredentialStatus {
  /** `service.field`. */
  name: string;
  /** The variable the server receives it in. */
  variable: string;
  /** Where its value came from (`env`, `keychain`, `file`), null when missing. */
  source: string | null;
  /** Whether its value changed since the server started. */
  changed: boolean;
}

/** The `status` of one server, as `--json` prints it. */
export interface ServerStatus {
  /** The server's name. */
  name: string;
  /** Whether its supervisor or the server itself still runs. */
  running: boolean;
  /** Its recorded phase; "not started" without a state file. */
  phase: ServerState["phase"] | "not started";
  /** The server's pid while it runs. */
  pid: number | null;
  /** The supervisor's pid while it runs. */
  supervisorPid: number | null;
  /** Milliseconds since the supervisor started, while it runs. */
  uptimeMs: number | null;
  /** How many times it was restarted. */
  restarts: number;
  /** Path of its log. */
  logPath: string;
  /** Why it stopped or failed. */
  reason?: string;
  /** Its credentials (names and sources, never values). */
  credentials: CredentialStatus[];
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

/**
 * The statuses of the server named (exit 2 when it is not declared), or of
 * every declared or recorded server.
 *
 * @example
 * ```ts
 * (await serverStatuses(ctx)).map((s) => s.name); // ["ipfs-mcp"]
 * ```
 */
export async function serverStatuses(ctx: Context, name?: string): Promise<ServerStatus[]> {
  const config = await ctx.config();
  const names = name
    ? [(await serverTarget(ctx, name)).name]
    : [...new Set([...Object.keys(config.servers), ...listServerStates(ctx.stateDir)])];
  const statuses = [];
  for (const n of names) statuses.push(await serverStatus(ctx, n));
  return statuses;
}

/**
 * A status as text: one head line, the log path, and (while it runs) a table
 * of its credentials.
 *
 * @example
 * ```ts
 * renderStatus(await serverStatus(ctx, "mcp")); // "mcp: running, pid 42 ..."
 * ```
 */
export function renderStatus(s: ServerStatus): string {
  let head = `${s.name}: `;
  if (s.running) {
    head += `${s.phase === "running" ? "running" : s.phase}, pid ${s.pid ?? "-"}` +
      (s.supervisorPid ? ` (supervisor ${s.supervisorPid})` : "") +
      `, up ${formatDuration(s.uptimeMs ?? 0, "uptime")}, ${s.restarts} restart${
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
