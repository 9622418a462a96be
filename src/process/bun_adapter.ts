/**
 * What the launcher does differently under Bun (and the Bun-compiled binary).
 *
 * - A child that simply inherits credkit's stdio (`run --no-mask`) is started
 *   with `Bun.spawn`, in about a third of the time Bun's `node:child_process`
 *   takes.
 * - Bun connects a child's piped stdio through socket pairs, not pipes: the
 *   relay must treat a broken output differently (see `relay.ts`).
 *
 * @module
 */
import { EventEmitter } from "node:events";
import type { ChildProcess } from "node:child_process";
import { runtimeName } from "../runtime.ts";

interface BunSubprocess {
  pid: number;
  exited: Promise<number>;
  exitCode: number | null;
  signalCode: NodeJS.Signals | null;
}

interface BunSpawnApi {
  spawn(
    cmd: string[],
    options: {
      cwd: string;
      env: Record<string, string>;
      stdio: ["inherit", "inherit", "inherit"];
      detached: boolean;
      argv0?: string;
    },
  ): BunSubprocess;
}

/** Options of an {@link InheritSpawn}. */
export interface InheritSpawnOptions {
  /** Working directory of the child. */
  cwd: string;
  /** The complete environment of the child. */
  env: Record<string, string>;
  /** `argv[0]` as the child sees it (the command as typed). */
  argv0?: string;
}

/**
 * Starts `file` with inherited stdio in a new session (its own process
 * group), like `spawn(file, args, {detached: true, stdio: "inherit"})`, and
 * returns the part of a `ChildProcess` the launcher uses (`pid`, `exit`).
 */
export type InheritSpawn = (
  file: string,
  args: string[],
  options: InheritSpawnOptions,
) => ChildProcess;

/**
 * True when a child's piped stdout / stderr are socket pairs (Bun), where
 * closing the read end makes the child's writes fail with ECONNRESET instead
 * of EPIPE.
 *
 * @example
 * ```ts
 * const policy = pipesAreSocketPairs ? "signal writers" : "close read end";
 * ```
 */
export const pipesAreSocketPairs: boolean = runtimeName === "bun";

/**
 * The faster spawn for a child that inherits all of credkit's stdio, when the
 * runtime has one (Bun); undefined elsewhere.
 *
 * @example
 * ```ts
 * const fast = inheritSpawn();
 * const child = fast?.("/usr/bin/true", [], { cwd: "/", env: {} });
 * child?.once("exit", (code, signal) => console.log(code, signal));
 * ```
 */
export function inheritSpawn(): InheritSpawn | undefined {
  const bun = (globalThis as { Bun?: BunSpawnApi }).Bun;
  if (!bun) return undefined;
  return (file, args, options) => {
    const proc = bun.spawn([file, ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["inherit", "inherit", "inherit"],
      detached: true,
      argv0: options.argv0,
    });
    const child = Object.assign(new EventEmitter(), {
      pid: proc.pid,
      stdin: null,
      stdout: null,
      stderr: null,
      unref() {},
    });
    proc.exited.then(() => child.emit("exit", proc.exitCode, proc.signalCode));
    return child as unknown as ChildProcess;
  };
}
