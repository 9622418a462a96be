/**
 * The supervisor behind `credkit server`: runs a declared server (see
 * server_instance.ts), feeds what it observes to the state machine of
 * supervisor_machine.ts (ready, exited, credentials changed, stop requested)
 * and carries out its decisions: restart on crash with exponential backoff,
 * restart when a credential changes through credkit (with `watch`), stop.
 *
 * @module
 */
import process from "node:process";
import type { ResolvedService } from "../resolve.ts";
import { forwardSignals, TERMINATION_SIGNALS } from "../process/signals.ts";
import {
  changedCredentials,
  type CredentialRecord,
  credentialRecords,
  newSalt,
  processStartTime,
  type ServerState,
  writeServerState,
} from "./server_state.ts";
import { formatDuration } from "./duration.ts";
import { type Instance, type InstanceOptions, startInstance } from "./server_instance.ts";
import { watchDir } from "./watch_dir.ts";
import {
  type Decision,
  initialState,
  type MachineEvent,
  type MachineState,
  QUICK_CRASH_MS,
  transition,
} from "./supervisor_machine.ts";

export { NO_READY_CHECK_GRACE_MS } from "./server_instance.ts";
export { backoffDelay, QUICK_CRASH_MS } from "./supervisor_machine.ts";

/** Options of {@link supervise}: those of each run of the server, and the supervisor's own. */
export interface SuperviseOptions extends InstanceOptions {
  /** The server's name in credkit.json. */
  name: string;
  /** Resolves the server's credentials (called at start, before each restart, on changes). */
  resolve: () => Promise<Record<string, ResolvedService>>;
  /** Directory of server state files (`<stateDir>/servers`). */
  stateDir: string;
  /** Path of the log (recorded in the state file). */
  logPath: string;
  /** True for the detached supervisor of `server start`. */
  detached: boolean;
  /** Restart when a credential changes (watches `changesDir`). @default false */
  watch?: boolean;
  /** Directory of change notices (`<stateDir>/changes`). */
  changesDir?: string;
  /**
   * End the supervisor (exit 1) when the server exits or is not ready in time
   * before it was ever ready (what `server start` needs). Default: false
   * (crashes before readiness are restarted like any other).
   */
  failBeforeReady?: boolean;
  /** See {@link QUICK_CRASH_MS}. @default QUICK_CRASH_MS */
  quickCrashMs?: number;
}

/** What ended one run of the server, as {@link supervise} observed it. */
type Outcome =
  | { kind: "event"; event: MachineEvent }
  | { kind: "changed"; names: string[]; resolved: Record<string, ResolvedService> };

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/**
 * Runs a server under supervision until it is stopped (SIGINT, SIGTERM or
 * SIGHUP to this process: exit 0), exits by itself with code 0 (exit 0), or
 * the restart policy gives up (exit 1, with the reason logged and recorded).
 * Returns 127 / 126 when the command cannot be found / executed.
 *
 * @example
 * ```ts
 * const code = await supervise({
 *   name: "mcp", def, cwd: "/srv", resolve, baseEnv, stateDir, logPath,
 *   detached: false, watch: true, changesDir, stdout, stderr,
 *   log: (l) => console.error(l), spawn, fetch,
 * });
 * ```
 */
export async function supervise(opts: SuperviseOptions): Promise<number> {
  const { name, def } = opts;
  const clock = opts.clock ?? Date.now;
  const policy = {
    name,
    command: def.command,
    restart: def.restart,
    quickCrashMs: opts.quickCrashMs ?? QUICK_CRASH_MS,
    failBeforeReady: opts.failBeforeReady ?? false,
  };
  const salt = newSalt();
  const state: ServerState = {
    name,
    pid: 0,
    startTime: null,
    supervisorPid: process.pid,
    supervisorStartTime: processStartTime(process.pid),
    detached: opts.detached,
    phase: "starting",
    logPath: opts.logPath,
    startedAt: clock(),
    serverStartedAt: 0,
    restarts: 0,
    salt,
    credentials: [],
  };
  const save = () => {
    try {
      writeServerState(opts.stateDir, state);
    } catch (err) {
      opts.log(`credkit: cannot write server state: ${(err as Error).message.split("\n")[0]}`);
    }
  };
  save();

  let machine: MachineState = initialState();
  /** Feeds one event to the machine and returns its decision (nothing done yet). */
  const decide = (event: MachineEvent): Decision => {
    const d = transition(machine, event, policy);
    machine = d.state;
    return d;
  };
  const logDecision = (d: Decision) => {
    for (const line of d.log) opts.log(line);
  };
  /** Records a decision in the state file. */
  const record = (d: Decision) => {
    state.restarts = machine.restarts;
    if (d.exitCode !== undefined) {
      state.phase = machine.phase === "failed" ? "failed" : "stopped";
      state.reason = machine.reason;
      state.pid = 0;
      state.startTime = null;
      save();
    } else if (machine.phase === "backoff" || machine.phase === "restarting") {
      state.phase = "restarting";
      if (machine.phase === "backoff") {
        state.pid = 0;
        state.startTime = null;
        state.reason = machine.reason;
      }
      save();
    }
  };
  /** Carries out a decision: logs, stops the running server if asked, records it. */
  const act = async (d: Decision, instance?: Instance): Promise<Decision> => {
    if (d.exitCode === undefined) logDecision(d);
    if (d.stopServer && instance) await instance.stop(def.stopTimeoutMs);
    record(d);
    if (d.exitCode !== undefined) logDecision(d);
    return d;
  };
  const step = (event: MachineEvent): Promise<Decision> => act(decide(event));

  // Wake-ups: a stop request, a credential change.
  let stopRequested = false;
  const listeners = new Set<() => void>();
  const wakeUp = () => {
    for (const l of [...listeners]) l();
  };
  // SIGINT, SIGTERM, SIGHUP stop the supervisor (and the server); every
  // other signal goes to the server's group, job control included.
  const liveGroups = new Set<number>();
  const stopForwarding = forwardSignals({
    groups: () => liveGroups,
    intercept: (signal) => {
      if (!TERMINATION_SIGNALS.includes(signal)) return false;
      stopRequested = true;
      wakeUp();
      return true;
    },
  });

  let resolved: Record<string, ResolvedService>;
  try {
    resolved = await opts.resolve();
  } catch (err) {
    stopForwarding();
    const reason = `cannot resolve credentials: ${firstLine(err)}`;
    state.phase = "failed";
    state.reason = reason;
    save();
    opts.log(`credkit: server ${name} failed: ${reason}`);
    return 1;
  }
  let records: CredentialRecord[] = credentialRecords(resolved, salt);

  // Watching for credential changes.
  let pendingChange: { names: string[]; resolved: Record<string, ResolvedService> } | undefined;
  let checking = false;
  let recheck = false;
  const check = async () => {
    if (checking) {
      recheck = true;
      return;
    }
    checking = true;
    try {
      do {
        recheck = false;
        let now: Record<string, ResolvedService>;
        try {
          now = await opts.resolve();
        } catch (err) {
          opts.log(`credkit: server ${name}: cannot re-read credentials: ${firstLine(err)}`);
          continue;
        }
        const names = changedCredentials(records, credentialRecords(now, salt));
        if (names.length > 0) {
          pendingChange = { names, resolved: now };
          wakeUp();
        }
      } while (recheck);
    } finally {
      checking = false;
    }
  };
  const stopWatching = opts.watch && opts.changesDir
    ? watchDir(opts.changesDir, () => void check())
    : () => {};

  try {
    for (;;) {
      if (stopRequested) return (await step({ type: "stop_requested" })).exitCode!;
      pendingChange = undefined;
      const instance = await startInstance(opts, resolved, state, save, liveGroups, {
        spawned: (at) => void step({ type: "spawned", at }),
        ready: () => void step({ type: "ready", pid: state.pid }),
      });
      if (typeof instance === "number") {
        return (await step({ type: "spawn_failed", code: instance })).exitCode!;
      }
      records = credentialRecords(resolved, salt);
      state.credentials = records;
      save();

      const outcome = await waitOutcome(instance);
      const decision = await act(
        decide(
          outcome.kind === "changed"
            ? { type: "credentials_changed", names: outcome.names }
            : outcome.event,
        ),
        instance,
      );
      if (decision.exitCode !== undefined) return decision.exitCode;
      if (outcome.kind === "changed") {
        resolved = outcome.resolved;
        continue;
      }
      if (decision.waitMs !== undefined) {
        await sleepUnlessStopped(decision.waitMs);
        if (stopRequested) return (await step({ type: "stop_requested" })).exitCode!;
        await step({ type: "backoff_elapsed" });
        try {
          resolved = await opts.resolve();
        } catch { /* keep the previous credentials */ }
      }
    }
  } finally {
    stopWatching();
    stopForwarding();
  }

  function sleepUnlessStopped(ms: number): Promise<void> {
    return new Promise((resolveSleep) => {
      const done = () => {
        clearTimeout(timer);
        listeners.delete(listener);
        resolveSleep();
      };
      const listener = () => {
        if (stopRequested) done();
      };
      const timer = setTimeout(done, ms);
      listeners.add(listener);
    });
  }

  /** Waits for what ends this run: an exit, a stop request, a change, a readiness timeout. */
  function waitOutcome(instance: Instance): Promise<Outcome> {
    return new Promise((resolveOutcome) => {
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (o: Outcome) => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        listeners.delete(listener);
        resolveOutcome(o);
      };
      const listener = () => {
        if (stopRequested) return settle({ kind: "event", event: { type: "stop_requested" } });
        if (pendingChange) {
          const change = pendingChange;
          pendingChange = undefined;
          settle({ kind: "changed", ...change });
        }
      };
      listeners.add(listener);
      listener();
      if (done) return;
      instance.exited.then((e) =>
        settle({ kind: "event", event: { type: "exited", ...e, at: clock() } })
      );
      const timeout = def.ready?.timeoutMs;
      if (timeout !== undefined && (def.ready?.url || def.ready?.logLine)) {
        timer = setTimeout(() => {
          if (instance.wasReady()) return;
          if (policy.failBeforeReady && !machine.everReady) {
            return settle({ kind: "event", event: { type: "not_ready", timeoutMs: timeout } });
          }
          opts.log(
            `credkit: server ${name} is not ready after ${
              formatDuration(timeout, "message")
            }; still waiting`,
          );
        }, timeout);
      }
    });
  }
}
