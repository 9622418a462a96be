/**
 * State of supervised servers: one JSON file per server under
 * `<stateDir>/servers/<name>.json`, next to its log `<name>.log`.
 *
 * A state file records the supervisor's and the server's pid together with
 * each process's start time, so that a pid reused by an unrelated process is
 * recognised and never signalled. Credentials are recorded by name
 * (`service.field`), source and a salted SHA-256 fingerprint, never by value.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { ResolvedService, Source } from "../resolve.ts";
import { safeName } from "../safe_name.ts";

/** Where a supervised server is in its life. */
export type ServerPhase = "starting" | "running" | "restarting" | "stopping" | "stopped" | "failed";

/** One credential a server was started with: name, source and fingerprint, never the value. */
export interface CredentialRecord {
  /** `service.field`. */
  name: string;
  /** The canonical variable. */
  variable: string;
  /** Where the value came from (`null`: it was missing). */
  source: Source | null;
  /** Salted SHA-256 of the value (hex), `null` when missing. */
  fingerprint: string | null;
}

/** The contents of `<stateDir>/servers/<name>.json`. */
export interface ServerState {
  /** The server's name in credkit.json. */
  name: string;
  /** Pid of the server process (0 while none is running). */
  pid: number;
  /** Start time of `pid` as {@link processStartTime} reports it. */
  startTime: string | null;
  /** Pid of the credkit supervisor that owns the server. */
  supervisorPid: number;
  /** Start time of the supervisor process. */
  supervisorStartTime: string | null;
  /** Whether the supervisor runs detached (`server start`) or in the foreground (`server run`). */
  detached: boolean;
  /** Where the server is: starting, running, restarting, stopped or failed. */
  phase: ServerPhase;
  /** Why the server stopped or failed, when it did (never contains a secret). */
  reason?: string;
  /** Path of the server's log. */
  logPath: string;
  /** When the supervisor started (ms since the epoch). */
  startedAt: number;
  /** When the current server process started (ms since the epoch). */
  serverStartedAt: number;
  /** When the server was last seen ready (ms since the epoch). */
  readyAt?: number;
  /** How many times the server was restarted (crashes and credential changes). */
  restarts: number;
  /** Salt of the fingerprints. */
  salt: string;
  /** The server's credentials by name, source and fingerprint (never a value). */
  credentials: CredentialRecord[];
}

/**
 * Paths of a server's state file and log.
 *
 * @example
 * ```ts
 * serverPaths("/home/u/.local/state/credkit", "mcp").log; // ".../servers/mcp.log"
 * ```
 */
export function serverPaths(
  stateDir: string,
  name: string,
): { dir: string; state: string; log: string } {
  const dir = join(stateDir, "servers");
  const safe = safeName(name);
  return { dir, state: join(dir, `${safe}.json`), log: join(dir, `${safe}.log`) };
}

/**
 * A fresh random salt for {@link fingerprint}.
 *
 * @example
 * ```ts
 * newSalt().length; // 32
 * ```
 */
export function newSalt(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The salted SHA-256 fingerprint of a value (hex); `null` for a missing value.
 *
 * @example
 * ```ts
 * fingerprint("salt", "value") === fingerprint("salt", "value"); // true
 * ```
 */
export function fingerprint(salt: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  return createHash("sha256").update(salt).update("\0").update(value).digest("hex");
}

/**
 * The credential records of a resolution (names, sources, fingerprints).
 *
 * @example
 * ```ts
 * credentialRecords(resolved, newSalt()).map((c) => c.name); // ["huggingface.token", ...]
 * ```
 */
export function credentialRecords(
  resolved: Record<string, ResolvedService>,
  salt: string,
): CredentialRecord[] {
  return Object.values(resolved).flatMap((fields) =>
    Object.values(fields).map((f) => ({
      name: `${f.service}.${f.field}`,
      variable: f.variable,
      source: f.source,
      fingerprint: fingerprint(salt, f.value),
    }))
  );
}

/**
 * Names of the credentials whose value differs between two record lists
 * (added, removed or changed).
 *
 * @example
 * ```ts
 * changedCredentials(before, after); // ["huggingface.token"]
 * ```
 */
export function changedCredentials(
  before: CredentialRecord[],
  after: CredentialRecord[],
): string[] {
  const old = new Map(before.map((c) => [c.name, c.fingerprint]));
  const now = new Map(after.map((c) => [c.name, c.fingerprint]));
  const names = new Set([...old.keys(), ...now.keys()]);
  return [...names].filter((n) => (old.get(n) ?? null) !== (now.get(n) ?? null));
}

/**
 * Reads a server's state file; `undefined` when there is none or it is not
 * valid JSON.
 *
 * @example
 * ```ts
 * const state = readServerState(ctx.stateDir, "mcp");
 * ```
 */
export function readServerState(stateDir: string, name: string): ServerState | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(serverPaths(stateDir, name).state, "utf8"));
    if (data && typeof data === "object" && typeof data.pid === "number") {
      return data as ServerState;
    }
  } catch {
    // absent or half-written by an older credkit: treated as no state
  }
  return undefined;
}

/**
 * Writes a server's state file atomically (temporary file, then rename),
 * mode 0600, in a 0700 directory.
 *
 * @example
 * ```ts
 * writeServerState(ctx.stateDir, state);
 * ```
 */
export function writeServerState(stateDir: string, state: ServerState): void {
  const paths = serverPaths(stateDir, state.name);
  fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const tmp = `${paths.state}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, paths.state);
}

/**
 * Removes a server's state file (the log stays).
 *
 * @example
 * ```ts
 * removeServerState(ctx.stateDir, "mcp");
 * ```
 */
export function removeServerState(stateDir: string, name: string): void {
  fs.rmSync(serverPaths(stateDir, name).state, { force: true });
}

/**
 * Names of the servers that have a state file.
 *
 * @example
 * ```ts
 * listServerStates(ctx.stateDir); // ["mcp"]
 * ```
 */
export function listServerStates(stateDir: string): string[] {
  try {
    return fs.readdirSync(serverPaths(stateDir, "x").dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -5));
  } catch {
    return [];
  }
}

/**
 * A token identifying when process `pid` started, or `null` when there is no
 * such (live, non-zombie) process. On Linux it is field 22 of
 * `/proc/<pid>/stat` (clock ticks since boot); elsewhere the output of
 * `ps -o lstart= -p <pid>`.
 *
 * @example
 * ```ts
 * processStartTime(process.pid); // "123456" on Linux
 * ```
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === "linux") {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return null;
    }
    // The command name (field 2) is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return null;
    return fields[19] ?? null;
  }
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return out === "" ? null : out;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is alive and is still the process that started at
 * `startTime` (a pid reused by another process gives `false`).
 *
 * @example
 * ```ts
 * isProcess(state.supervisorPid, state.supervisorStartTime);
 * ```
 */
export function isProcess(pid: number, startTime: string | null): boolean {
  if (!pid || startTime === null) return false;
  return processStartTime(pid) === startTime;
}

/**
 * Whether the server process recorded in `state` is still the one that was
 * started (same pid and same start time).
 *
 * @example
 * ```ts
 * if (isSameProcess(state)) process.kill(-state.pid, "SIGTERM");
 * ```
 */
export function isSameProcess(state: Pick<ServerState, "pid" | "startTime">): boolean {
  return isProcess(state.pid, state.startTime);
}

/**
 * Whether the supervisor recorded in `state` is still running.
 *
 * @example
 * ```ts
 * supervisorAlive(state); // false after a reboot or a crash
 * ```
 */
export function supervisorAlive(
  state: Pick<ServerState, "supervisorPid" | "supervisorStartTime">,
): boolean {
  return isProcess(state.supervisorPid, state.supervisorStartTime);
}

/**
 * Sends `signal` to the process group of `pid` (or to `pid` alone when it
 * leads no group), only when `pid` is still the process that started at
 * `startTime`. Returns whether a signal was sent.
 *
 * @example
 * ```ts
 * signalRecorded(state.pid, state.startTime, "SIGTERM");
 * ```
 */
export function signalRecorded(
  pid: number,
  startTime: string | null,
  signal: NodeJS.Signals,
): boolean {
  if (!isProcess(pid, startTime)) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
