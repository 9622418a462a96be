/**
 * The supervisor's state machine, with no I/O: which phase a supervised
 * server is in, and what the supervisor does on each event (start it again
 * after a backoff, stop it, give up). {@link supervise} feeds it the events
 * it observes (the server started, became ready, exited, a credential
 * changed, a stop was requested) and carries out its decisions.
 *
 * ```
 * starting ──ready──▶ ready
 *    │  ▲               │
 *    │  └─ restarting ◀─┴─ credentials changed (stop, start again)
 *    ├─ exited (crash) ─▶ backoff ──elapsed──▶ starting
 *    ├─ exited 0 / stop requested ─▶ stopped
 *    └─ too many quick crashes / not ready / cannot start ─▶ failed
 * ```
 *
 * @module
 */
import type { ServerDef } from "../config.ts";
import { formatDuration } from "./duration.ts";

/** A crash within this many ms of starting counts as a quick crash. */
export const QUICK_CRASH_MS = 10_000;

/** Where a supervised server is. */
export type SupervisorPhase =
  | "starting"
  | "ready"
  | "backoff"
  | "restarting"
  | "stopped"
  | "failed";

/** The supervisor's state. */
export interface MachineState {
  /** The current phase. */
  phase: SupervisorPhase;
  /** How many times the server was started again (after a crash or a change). */
  restarts: number;
  /** Consecutive quick crashes (reset by a credential change or a long run). */
  quickCrashes: number;
  /** Whether the server was ever ready. */
  everReady: boolean;
  /** When the current instance was started (clock ms). */
  startedAt: number;
  /** Why it is in a backoff, stopped or failed. */
  reason?: string;
}

/** What the supervisor observed. */
export type MachineEvent =
  /** The server process started at `at`. */
  | { type: "spawned"; at: number }
  /** The command could not be started (127 not found, 126 not executable). */
  | { type: "spawn_failed"; code: number }
  /** The readiness check passed. */
  | { type: "ready"; pid: number }
  /** The readiness check did not pass within `timeoutMs`. */
  | { type: "not_ready"; timeoutMs: number }
  /** The server exited at `at`. */
  | { type: "exited"; code: number; signal: string | null; at: number }
  /** One or more of its credentials changed. */
  | { type: "credentials_changed"; names: string[] }
  /** SIGINT, SIGTERM or SIGHUP reached the supervisor. */
  | { type: "stop_requested" }
  /** The backoff delay is over. */
  | { type: "backoff_elapsed" };

/** What the supervisor must do after an event. */
export interface Decision {
  /** The state after the event. */
  state: MachineState;
  /** Lines for the supervisor's log (no secrets). */
  log: string[];
  /** Stop the running server first. */
  stopServer: boolean;
  /** Wait this long (unless a stop is requested), then report `backoff_elapsed`. */
  waitMs?: number;
  /** Start the server (again). */
  start: boolean;
  /** End the supervisor with this exit code. */
  exitCode?: number;
}

/** What the machine needs to know about the server. */
export interface MachinePolicy {
  /** The server's name (for log lines). */
  name: string;
  /** Its command (for log lines). */
  command: string;
  /** Its restart policy. */
  restart: ServerDef["restart"];
  /** A crash within this many ms of starting is a quick crash. @default QUICK_CRASH_MS */
  quickCrashMs: number;
  /** A crash or a readiness timeout before it was ever ready ends the supervisor. */
  failBeforeReady: boolean;
}

/**
 * The delay before the `n`-th consecutive quick restart (1-based):
 * `backoffMs * 2^(n-1)`, capped at `maxBackoffMs`.
 *
 * @example
 * ```ts
 * backoffDelay(3, { backoffMs: 500, maxBackoffMs: 30000, maxRestarts: 5 }); // 2000
 * ```
 */
export function backoffDelay(n: number, policy: ServerDef["restart"]): number {
  return Math.min(policy.backoffMs * 2 ** Math.max(0, n - 1), policy.maxBackoffMs);
}

/**
 * The state of a supervisor that is about to start its server.
 *
 * @example
 * ```ts
 * initialState().phase; // "starting"
 * ```
 */
export function initialState(): MachineState {
  return { phase: "starting", restarts: 0, quickCrashes: 0, everReady: false, startedAt: 0 };
}

function describeExit(code: number, signal: string | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/**
 * The next state and what to do, for one event.
 *
 * @example
 * ```ts
 * const d = transition(initialState(), { type: "exited", code: 1, signal: null, at: 100 }, policy);
 * d.state.phase; // "backoff"
 * d.waitMs; // policy.restart.backoffMs
 * ```
 */
export function transition(
  state: MachineState,
  event: MachineEvent,
  policy: MachinePolicy,
): Decision {
  const s: MachineState = { ...state };
  const d: Decision = { state: s, log: [], stopServer: false, start: false };
  const end = (phase: "stopped" | "failed", reason: string, code: number): Decision => {
    s.phase = phase;
    s.reason = reason;
    d.exitCode = code;
    d.log.push(`credkit: server ${policy.name} ${phase}: ${reason}`);
    return d;
  };
  const running = s.phase === "starting" || s.phase === "ready";
  switch (event.type) {
    case "spawned":
      s.phase = "starting";
      s.startedAt = event.at;
      delete s.reason;
      return d;
    case "spawn_failed":
      return end("failed", `cannot start ${policy.command}`, event.code);
    case "ready":
      if (!running) return d;
      if (!s.everReady) d.log.push(`credkit: server ${policy.name} is ready (pid ${event.pid})`);
      s.everReady = true;
      s.phase = "ready";
      return d;
    case "not_ready":
      if (!running || s.everReady || !policy.failBeforeReady) return d;
      d.stopServer = true;
      return end("failed", `not ready after ${formatDuration(event.timeoutMs, "message")}`, 1);
    case "stop_requested":
      d.stopServer = running;
      return end("stopped", "stopped on request", 0);
    case "credentials_changed":
      if (!running) return d;
      d.log.push(`credkit: server ${policy.name}: ${event.names.join(", ")} changed; restarting`);
      d.stopServer = true;
      d.start = true;
      s.restarts++;
      s.quickCrashes = 0;
      s.phase = "restarting";
      return d;
    case "backoff_elapsed":
      if (s.phase !== "backoff") return d;
      s.restarts++;
      s.phase = "restarting";
      d.start = true;
      return d;
    case "exited":
      return onExit(s, d, event, policy, end);
  }
}

function onExit(
  s: MachineState,
  d: Decision,
  event: Extract<MachineEvent, { type: "exited" }>,
  policy: MachinePolicy,
  end: (phase: "stopped" | "failed", reason: string, code: number) => Decision,
): Decision {
  const how = describeExit(event.code, event.signal);
  if (event.code === 0 && !event.signal) return end("stopped", "the server exited with code 0", 0);
  if (policy.failBeforeReady && !s.everReady) {
    return end("failed", `the server ${how} before it was ready`, 1);
  }
  const ranMs = event.at - s.startedAt;
  s.quickCrashes = ranMs < policy.quickCrashMs ? s.quickCrashes + 1 : 1;
  const { maxRestarts } = policy.restart;
  if (s.quickCrashes > maxRestarts) {
    return end(
      "failed",
      maxRestarts === 0
        ? `the server ${how} and the restart policy allows no restarts`
        : `gave up after ${maxRestarts} restart${maxRestarts === 1 ? "" : "s"}: ` +
          `the server crashed ${s.quickCrashes} times in a row, each within ` +
          `${formatDuration(policy.quickCrashMs, "message")} of starting (last: ${how})`,
      1,
    );
  }
  const delay = backoffDelay(s.quickCrashes, policy.restart);
  d.log.push(
    `credkit: server ${policy.name} ${how} after ${formatDuration(ranMs, "message")}; ` +
      `restarting in ${delay} ms (restart ${s.quickCrashes} of ${maxRestarts})`,
  );
  s.phase = "backoff";
  s.reason = `${how}; restarting`;
  d.waitMs = delay;
  return d;
}
