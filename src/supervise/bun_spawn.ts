/**
 * A faster spawn for Bun when the child simply inherits credkit's stdio
 * (`run --no-mask`): `Bun.spawn` starts a process in about a third of the
 * time Bun's `node:child_process` takes. It returns just the part of a
 * `ChildProcess` that `runChild` uses: `pid`, and `exit` / `error` events.
 *
 * @module
 */
import { EventEmitter } from "node:events";
import type { ChildProcess } from "node:child_process";

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

/** `Bun`, when running under Bun. */
export function bunApi(): BunSpawnApi | undefined {
  return (globalThis as { Bun?: BunSpawnApi }).Bun;
}

/**
 * Starts `file` with inherited stdio in a new session (its own process
 * group), like `spawn(file, args, {detached: true, stdio: "inherit"})`.
 *
 * @example
 * ```ts
 * const child = spawnInheritWithBun(bunApi()!, "/usr/bin/true", [], { cwd: "/", env: {} });
 * child.once("exit", (code, signal) => console.log(code, signal));
 * ```
 */
export function spawnInheritWithBun(
  bun: BunSpawnApi,
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; argv0?: string },
): ChildProcess {
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
  });
  proc.exited.then(() => child.emit("exit", proc.exitCode, proc.signalCode));
  return child as unknown as ChildProcess;
}
