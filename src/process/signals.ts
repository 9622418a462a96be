/**
 * The signals credkit listens to while it supervises process groups, and how
 * it passes them on: the one place where signal listeners are installed.
 *
 * credkit forwards every asynchronous signal a child could be sent (as tini
 * and dumb-init do): it never dies of one of them itself while a child runs,
 * so whatever ends credkit short of SIGKILL ends the child's group too.
 * Job control works through credkit: SIGTSTP, SIGTTIN and SIGTTOU stop the
 * child's group (with SIGSTOP: a group in its own session is orphaned, and
 * the kernel discards a default-action SIGTSTP sent to one) and then credkit
 * itself; SIGCONT, sent by the shell's `fg` / `bg` to credkit, is passed on.
 *
 * Not forwarded: SIGKILL and SIGSTOP (cannot be caught), SIGCHLD (about
 * credkit's own children), SIGPIPE (the runtime ignores it; a broken output is
 * handled by the relay), and the synchronous fault signals (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT), which report a fault of credkit
 * itself.
 *
 * @module
 */
import * as fs from "node:fs";
import { constants as osConstants } from "node:os";
import process from "node:process";
import { signalGroup } from "../process_signals.ts";

/** Signals that ask credkit to end: SIGINT, SIGTERM, SIGHUP. */
export const TERMINATION_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Terminal job-control signals that stop the child's group and credkit. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTSTP", "SIGTTIN", "SIGTTOU"];

/** Every signal credkit passes on to the process groups it runs. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  ...TERMINATION_SIGNALS,
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGALRM",
  "SIGVTALRM",
  "SIGPROF",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGIO",
  "SIGURG",
  "SIGWINCH",
  ...STOP_SIGNALS,
  "SIGCONT",
];

/**
 * Signals that were ignored when credkit started (Linux: from
 * `/proc/self/status`, read when this module loads, before any listener is
 * installed). They are swallowed, not forwarded: under `nohup` SIGHUP stays
 * ignored, and a background job started by a non-interactive shell stays
 * immune to SIGINT, just as the command would be without credkit in between.
 */
const ignoredAtStart: ReadonlySet<string> = (() => {
  const out = new Set<string>();
  try {
    const status = fs.readFileSync("/proc/self/status", "utf8");
    const hex = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (hex) {
      const mask = BigInt("0x" + hex);
      for (const name of FORWARDED_SIGNALS) {
        const n = (osConstants.signals as Record<string, number>)[name];
        if (typeof n === "number" && (mask >> BigInt(n - 1)) & 1n) out.add(name);
      }
    }
  } catch {
    // not Linux: assume nothing is ignored
  }
  return out;
})();

/**
 * Whether `signal` was ignored when credkit started (see the module notes).
 *
 * @example
 * ```ts
 * wasIgnoredAtStart("SIGHUP"); // true under `nohup credkit run …`
 * ```
 */
export function wasIgnoredAtStart(signal: NodeJS.Signals): boolean {
  return ignoredAtStart.has(signal);
}

/**
 * Calls `fn` with each of `signals` credkit receives, until the returned
 * function is called (which restores the previous handling). A signal that
 * was ignored at start gets a listener that swallows it: Deno starts catching
 * SIGHUP, SIGINT and SIGTERM together as soon as one of them has a listener,
 * and an unheard one would then terminate credkit. A signal the runtime
 * cannot listen to is skipped.
 *
 * @example
 * ```ts
 * const dispose = onSignals(["SIGUSR1"], (sig) => console.error(`got ${sig}`));
 * // … later
 * dispose();
 * ```
 */
export function onSignals(
  signals: readonly NodeJS.Signals[],
  fn: (signal: NodeJS.Signals) => void,
): () => void {
  const installed: [NodeJS.Signals, () => void][] = [];
  for (const signal of signals) {
    const listener = ignoredAtStart.has(signal) ? () => {} : () => fn(signal);
    try {
      process.on(signal, listener);
      installed.push([signal, listener]);
    } catch {
      // this runtime cannot listen to it: it keeps its default action
    }
  }
  return () => {
    for (const [signal, listener] of installed.splice(0)) process.off(signal, listener);
  };
}

/**
 * Calls `fn` on SIGINT, SIGTERM or SIGHUP until the returned function is
 * called.
 *
 * @example
 * ```ts
 * let stopped = false;
 * const dispose = onTerminationSignals(() => (stopped = true));
 * try { while (!stopped) await poll(); } finally { dispose(); }
 * ```
 */
export function onTerminationSignals(fn: (signal: NodeJS.Signals) => void): () => void {
  return onSignals(TERMINATION_SIGNALS, fn);
}

/** Options of {@link forwardSignals}. */
export interface ForwardSignalsOptions {
  /** The process groups signals go to, asked at each signal. */
  groups: () => Iterable<number>;
  /**
   * Called first with every signal; returning true means the caller handled
   * it and nothing is forwarded (e.g. termination signals that stop a
   * supervisor). Default: nothing is intercepted.
   */
  intercept?: (signal: NodeJS.Signals) => boolean;
  /** Called after a signal was sent to a group. */
  onForwarded?: (signal: NodeJS.Signals, pgid: number) => void;
}

/**
 * Stops a job: each group gets `signal` (for a child that handles it) and
 * SIGSTOP, then credkit stops itself, as a shell's Ctrl-Z expects. When the
 * shell continues credkit, SIGCONT is forwarded by {@link forwardSignals}.
 *
 * @example
 * ```ts
 * stopJob([child.pid], "SIGTSTP");
 * ```
 */
export function stopJob(
  groups: Iterable<number>,
  signal: NodeJS.Signals,
  onForwarded?: (signal: NodeJS.Signals, pgid: number) => void,
): void {
  for (const pgid of groups) {
    signalGroup(pgid, signal, true);
    signalGroup(pgid, "SIGSTOP", true);
    onForwarded?.(signal, pgid);
  }
  try {
    process.kill(process.pid, "SIGSTOP");
  } catch { /* cannot stop itself here: the group stays stopped until SIGCONT */ }
}

/**
 * Forwards every signal of {@link FORWARDED_SIGNALS} that credkit receives to
 * the process groups `groups()` names, with terminal job control (see the
 * module notes), until the returned function is called.
 *
 * @example
 * ```ts
 * const dispose = forwardSignals({ groups: () => [launched.pid] });
 * await launched.exited;
 * dispose();
 * ```
 */
export function forwardSignals(opts: ForwardSignalsOptions): () => void {
  return onSignals(FORWARDED_SIGNALS, (signal) => {
    if (opts.intercept?.(signal)) return;
    if (STOP_SIGNALS.includes(signal)) return stopJob(opts.groups(), signal, opts.onForwarded);
    for (const pgid of opts.groups()) {
      signalGroup(pgid, signal, true);
      opts.onForwarded?.(signal, pgid);
    }
  });
}
