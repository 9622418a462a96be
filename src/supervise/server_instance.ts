/**
 * One run of a supervised server: started in its own process group with its
 * resolved environment, its output masked into the supervisor's sinks, and
 * its readiness watched (a URL to poll, a log line, or a short grace time).
 *
 * @module
 */
import type { spawn as nodeSpawn } from "node:child_process";
import { Writable } from "node:stream";
import type { ServerDef } from "../config.ts";
import { type ResolvedService, secretValues, toEnvironment } from "../resolve.ts";
import { StreamMasker } from "../mask/stream_masker.ts";
import { launch } from "../process/launch.ts";
import { closeReadEnd, relay } from "../process/relay.ts";
import { processStartTime, type ServerState } from "./server_state.ts";
import { settleWithin } from "./settle.ts";

/** Without a `ready` check, a server that survives this long counts as ready. */
export const NO_READY_CHECK_GRACE_MS = 500;
/** How often the readiness URL is polled. */
const READY_POLL_MS = 100;

/** What {@link startInstance} needs from the supervisor. */
export interface InstanceOptions {
  /** The server's declaration. */
  def: ServerDef;
  /** Working directory of the server (absolute). */
  cwd: string;
  /** Environment below the credentials. */
  baseEnv: Record<string, string>;
  /** Where the server's masked stdout goes. */
  stdout: Writable;
  /** Where the server's masked stderr goes. */
  stderr: Writable;
  /** Supervisor messages (one line each, no secrets). */
  log: (line: string) => void;
  /** Spawn function passed to the launcher. */
  spawn: typeof nodeSpawn;
  /** Fetch used to poll the readiness URL. */
  fetch: typeof globalThis.fetch;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
}

/** A running server process. */
export interface Instance {
  /** Resolves when it exited and its output was relayed. */
  exited: Promise<{ code: number; signal: string | null }>;
  /** Whether it became ready. */
  wasReady(): boolean;
  /** SIGTERM to its group, SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

/** What {@link startInstance} reports as it happens. */
export interface InstanceHooks {
  /** The server runs since `at` (clock ms); called before any readiness check. */
  spawned(at: number): void;
  /** Its readiness check passed (called once). */
  ready(): void;
}

/**
 * Spawns the server once, records its pid in `state` (saved with `save`),
 * calls `hooks.spawned` once it runs and `hooks.ready` when its readiness
 * check passes; returns an exit code
 * (127 / 126) when it cannot be started.
 *
 * @example
 * ```ts
 * const instance = await startInstance(opts, resolved, state, save, groups, hooks);
 * if (typeof instance !== "number") await instance.exited;
 * ```
 */
export async function startInstance(
  opts: InstanceOptions,
  resolved: Record<string, ResolvedService>,
  state: ServerState,
  save: () => void,
  liveGroups: Set<number>,
  hooks: InstanceHooks,
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
  hooks.spawned(state.serverStartedAt);

  let isReady = false;
  let alive = true;
  exited.then(() => (alive = false));
  const becomeReady = () => {
    if (isReady || !alive) return;
    isReady = true;
    state.phase = "running";
    state.readyAt = clock();
    save();
    hooks.ready();
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
