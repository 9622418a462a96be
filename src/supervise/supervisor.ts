/**
 * The supervisor behind `credkit server`: starts a declared server with its
 * resolved environment in its own process group, masks its output into the
 * log (and the terminal in the foreground), waits for readiness, restarts it
 * on crash with exponential backoff, and, with `watch`, restarts it when one
 * of its credentials changes through credkit.
 *
 * @module
 */
import type { spawn as nodeSpawn } from "node:child_process";
import * as fs from "node:fs";
import process from "node:process";
import { Writable } from "node:stream";
import type { ServerDef } from "../config.ts";
import { type ResolvedService, secretValues, toEnvironment } from "../resolve.ts";
import { StreamMasker } from "./mask.ts";
import { launch } from "../process/launch.ts";
import { closeReadEnd, relay } from "../process/relay.ts";
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
import { settleWithin } from "./settle.ts";

/** A crash within this many ms of starting counts as a quick crash. */
export const QUICK_CRASH_MS = 10_000;
/** Without a `ready` check, a server that survives this long counts as ready. */
export const NO_READY_CHECK_GRACE_MS = 500;
/** How often the readiness URL is polled. */
const READY_POLL_MS = 100;
/** How often the change-notice directory is polled besides `fs.watch`. */
const WATCH_POLL_MS = 400;

/** Options of {@link supervise}. */
export interface SuperviseOptions {
  /** The server's name in credkit.json. */
  name: string;
  def: ServerDef;
  /** Working directory of the server (absolute). */
  cwd: string;
  /** Resolves the server's credentials (called at start, before each restart, on changes). */
  resolve: () => Promise<Record<string, ResolvedService>>;
  /** Environment below the credentials. */
  baseEnv: Record<string, string>;
  stateDir: string;
  /** Path of the log (recorded in the state file). */
  logPath: string;
  /** True for the detached supervisor of `server start`. */
  detached: boolean;
  /** Restart when a credential changes (watches `changesDir`). */
  watch?: boolean;
  /** Directory of change notices (`<stateDir>/changes`). */
  changesDir?: string;
  /** Where the server's masked stdout and stderr go. */
  stdout: Writable;
  stderr: Writable;
  /** Supervisor messages (one line each, no secrets). */
  log: (line: string) => void;
  spawn: typeof nodeSpawn;
  fetch: typeof globalThis.fetch;
  clock?: () => number;
  /**
   * End the supervisor (exit 1) when the server exits or is not ready in time
   * before it was ever ready (what `server start` needs). Default: false
   * (crashes before readiness are restarted like any other).
   */
  failBeforeReady?: boolean;
  /** See {@link QUICK_CRASH_MS}. */
  quickCrashMs?: number;
}

type Outcome =
  | { kind: "exit"; code: number; signal: string | null; ranMs: number }
  | { kind: "stop" }
  | { kind: "changed"; names: string[]; resolved: Record<string, ResolvedService> }
  | { kind: "not_ready" };

function describeExit(code: number, signal: string | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
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
  const quickMs = opts.quickCrashMs ?? QUICK_CRASH_MS;
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
    return finish("failed", `cannot resolve credentials: ${firstLine(err)}`, 1);
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

  let quickCrashes = 0;
  let everReady = false;
  try {
    for (;;) {
      if (stopRequested) return finish("stopped", "stopped on request", 0);
      pendingChange = undefined;
      const instance = await startInstance(opts, resolved, state, save, liveGroups, () => {
        if (!everReady) opts.log(`credkit: server ${name} is ready (pid ${state.pid})`);
        everReady = true;
      });
      if (typeof instance === "number") {
        return finish("failed", `cannot start ${def.command}`, instance);
      }
      records = credentialRecords(resolved, salt);
      state.credentials = records;
      save();

      const outcome = await waitOutcome(instance);
      if (outcome.kind === "stop") {
        await instance.stop(def.stopTimeoutMs);
        return finish("stopped", "stopped on request", 0);
      }
      if (outcome.kind === "changed") {
        opts.log(`credkit: server ${name}: ${outcome.names.join(", ")} changed; restarting`);
        await instance.stop(def.stopTimeoutMs);
        resolved = outcome.resolved;
        state.restarts++;
        quickCrashes = 0;
        state.phase = "restarting";
        save();
        continue;
      }
      if (outcome.kind === "not_ready") {
        await instance.stop(def.stopTimeoutMs);
        return finish("failed", `not ready after ${seconds(def.ready?.timeoutMs ?? 0)}`, 1);
      }
      const code = await onExit(outcome);
      if (code !== undefined) return code;
    }
  } finally {
    stopWatching();
    stopForwarding();
  }

  /** Handles a server exit; returns the supervisor's exit code when it ends. */
  async function onExit(outcome: Extract<Outcome, { kind: "exit" }>): Promise<number | undefined> {
    const how = describeExit(outcome.code, outcome.signal);
    state.pid = 0;
    state.startTime = null;
    if (outcome.code === 0 && !outcome.signal) {
      return finish("stopped", "the server exited with code 0", 0);
    }
    if (opts.failBeforeReady && !everReady) {
      return finish("failed", `the server ${how} before it was ready`, 1);
    }
    quickCrashes = outcome.ranMs < quickMs ? quickCrashes + 1 : 1;
    const policy = def.restart;
    if (quickCrashes > policy.maxRestarts) {
      const reason = policy.maxRestarts === 0
        ? `the server ${how} and the restart policy allows no restarts`
        : `gave up after ${policy.maxRestarts} restart${policy.maxRestarts === 1 ? "" : "s"}: ` +
          `the server crashed ${quickCrashes} times in a row, each within ${seconds(quickMs)} ` +
          `of starting (last: ${how})`;
      return finish("failed", reason, 1);
    }
    const delay = backoffDelay(quickCrashes, policy);
    opts.log(
      `credkit: server ${name} ${how} after ${seconds(outcome.ranMs)}; ` +
        `restarting in ${delay} ms (restart ${quickCrashes} of ${policy.maxRestarts})`,
    );
    state.phase = "restarting";
    state.reason = `${how}; restarting`;
    save();
    await sleepUnlessStopped(delay);
    if (stopRequested) return finish("stopped", "stopped on request", 0);
    state.restarts++;
    try {
      resolved = await opts.resolve();
    } catch { /* keep the previous credentials */ }
    return undefined;
  }

  function finish(phase: "stopped" | "failed", reason: string, code: number): number {
    state.phase = phase;
    state.reason = reason;
    state.pid = 0;
    state.startTime = null;
    save();
    opts.log(`credkit: server ${name} ${phase === "failed" ? "failed" : "stopped"}: ${reason}`);
    return code;
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
        if (stopRequested) return settle({ kind: "stop" });
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
        settle({ kind: "exit", ...e, ranMs: clock() - state.serverStartedAt })
      );
      const timeout = def.ready?.timeoutMs;
      if (timeout !== undefined && (def.ready?.url || def.ready?.logLine)) {
        timer = setTimeout(() => {
          if (instance.wasReady()) return;
          if (opts.failBeforeReady && !everReady) return settle({ kind: "not_ready" });
          opts.log(`credkit: server ${name} is not ready after ${seconds(timeout)}; still waiting`);
        }, timeout);
      }
    });
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0];
}

/** A running server process. */
interface Instance {
  exited: Promise<{ code: number; signal: string | null }>;
  wasReady(): boolean;
  stop(timeoutMs: number): Promise<void>;
}

/** Spawns the server once; returns an exit code when it cannot be started. */
async function startInstance(
  opts: SuperviseOptions,
  resolved: Record<string, ResolvedService>,
  state: ServerState,
  save: () => void,
  liveGroups: Set<number>,
  onReady: () => void,
): Promise<Instance | number> {
  const { def } = opts;
  const clock = opts.clock ?? Date.now;
  const secrets = secretValues(resolved);
  const child = await launch({
    command: def.command,
    args: def.args,
    env: { ...opts.baseEnv, ...toEnvironment(resolved) },
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    spawn: opts.spawn,
  });
  if (!child.ok) {
    opts.log(`credkit: cannot run ${def.command}: ${child.why}`);
    return child.code;
  }
  const exited = child.exited;
  const pid = child.pid;
  liveGroups.add(pid);
  exited.then(() => liveGroups.delete(pid));
  state.pid = pid;
  state.startTime = processStartTime(pid);
  state.serverStartedAt = clock();
  state.phase = "starting";
  delete state.reason;
  save();

  let isReady = false;
  let alive = true;
  exited.then(() => (alive = false));
  const becomeReady = () => {
    if (isReady || !alive) return;
    isReady = true;
    state.phase = "running";
    state.readyAt = clock();
    save();
    onReady();
  };

  // Output: masked, to the sinks; log-line readiness is checked on masked text.
  const logLine = def.ready?.logLine;
  let tail = "";
  const decoder = new TextDecoder();
  const seeLine = (bytes: Uint8Array) => {
    if (!logLine || isReady) return;
    tail += decoder.decode(bytes, { stream: true });
    if (tail.includes(logLine)) becomeReady();
    else if (tail.length > logLine.length * 2 + 4096) tail = tail.slice(-logLine.length);
  };
  const relays = Promise.all([
    relay(
      child.stdout!,
      new StreamMasker(secrets),
      observed(opts.stdout, seeLine),
      exited,
      closeReadEnd,
    ),
    relay(
      child.stderr!,
      new StreamMasker(secrets),
      observed(opts.stderr, seeLine),
      exited,
      closeReadEnd,
    ),
  ]);

  if (def.ready?.url) {
    const url = def.ready.url;
    (async () => {
      while (alive && !isReady) {
        try {
          // No keep-alive and no pending timer: neither may hold the process open later.
          const abort = new AbortController();
          const timer = setTimeout(() => abort.abort(), 1000);
          try {
            const res = await opts.fetch(url, {
              signal: abort.signal,
              headers: { connection: "close" },
            });
            await res.body?.cancel().catch(() => {});
            if (res.ok) becomeReady();
          } finally {
            clearTimeout(timer);
          }
        } catch { /* not listening yet */ }
        if (!isReady && alive) await new Promise((r) => setTimeout(r, READY_POLL_MS));
      }
    })();
  } else if (!logLine) {
    const t = setTimeout(becomeReady, NO_READY_CHECK_GRACE_MS);
    exited.then(() => clearTimeout(t));
  }

  return {
    exited: exited.then(async (e) => {
      await settleWithin(relays, 1000);
      return e;
    }),
    wasReady: () => isReady,
    async stop(timeoutMs: number) {
      await child.stop(timeoutMs);
      await settleWithin(relays, 1000);
    },
  };
}

/**
 * A Writable in front of `dst` that calls `onBytes` after each chunk was
 * handed to `dst` (so the log shows a line before "is ready"), keeps `dst`'s
 * backpressure, and never fails: a broken terminal must not stop the server.
 */
function observed(dst: Writable, onBytes: (b: Uint8Array) => void): Writable {
  return new Writable({
    write(bytes: Uint8Array, _enc, callback) {
      let more = true;
      try {
        more = dst.write(bytes);
      } catch { /* a broken terminal must not stop the server */ }
      onBytes(bytes);
      if (more) callback();
      else dst.once("drain", () => callback());
    },
  });
}

/**
 * Calls `onChange` when a file in `dir` is created or modified, through
 * `fs.watch` and a light poll (for file systems where watching is not
 * reliable). Returns a function that stops watching.
 *
 * @example
 * ```ts
 * const stop = watchDir("/home/u/.local/state/credkit/changes", () => console.log("changed"));
 * ```
 */
export function watchDir(dir: string, onChange: () => void): () => void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch { /* reported by the poll below as no entries */ }
  const signature = () => {
    try {
      return fs.readdirSync(dir).sort().map((f) => {
        try {
          const st = fs.statSync(`${dir}/${f}`);
          return `${f}:${st.mtimeMs}:${st.size}`;
        } catch {
          return f;
        }
      }).join("|");
    } catch {
      return "";
    }
  };
  let last = signature();
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(dir, () => {
      last = signature();
      onChange();
    });
    watcher.on("error", () => {});
  } catch { /* the poll still works */ }
  const timer = setInterval(() => {
    const now = signature();
    if (now !== last) {
      last = now;
      onChange();
    }
  }, WATCH_POLL_MS);
  return () => {
    clearInterval(timer);
    try {
      watcher?.close();
    } catch { /* already closed */ }
  };
}

/**
 * A Writable that appends to a file descriptor synchronously (the log).
 *
 * @example
 * ```ts
 * const log = fdWriter(fs.openSync("server.log", "a"));
 * log.write(new TextEncoder().encode("line\n"));
 * ```
 */
export function fdWriter(fd: number): Writable & { writeLine(line: string): void } {
  const write = (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
  };
  const w = {
    write(chunk: Uint8Array | string): boolean {
      try {
        write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      } catch { /* the log became unwritable: drop output rather than stop the server */ }
      return true;
    },
    once() {
      return w;
    },
    on() {
      return w;
    },
    writeLine(line: string) {
      w.write(line.endsWith("\n") ? line : line + "\n");
    },
  };
  return w as unknown as Writable & { writeLine(line: string): void };
}
