/**
 * `server run <name>`: the supervisor process, in the foreground (output on
 * the terminal and in the log) or as the detached child of `server start`
 * (output in the log only).
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import type { Writable } from "node:stream";
import { CredkitError } from "../errors.ts";
import { missingVariables, type ResolvedService } from "../resolve.ts";
import type { Context } from "../cli/context.ts";
import { readServerState, serverPaths, supervisorAlive } from "./server_state.ts";
import { definedEnv, missingError, resolveServer, serverTarget } from "./server_target.ts";
import { stdioWriter } from "./stdio_writer.ts";
import { fdWriter } from "./fd_writer.ts";
import { supervise } from "./supervisor.ts";

/** Options of {@link runServerInForeground}. */
export interface ForegroundOptions {
  /** Run even when credentials are missing. @default false */
  allowMissing: boolean;
  /** Restart the server when one of its credentials changes. @default false */
  watch: boolean;
  /** True for the detached child of `server start`: output goes only to the log. */
  detached: boolean;
}

/**
 * Supervises a declared server until it is stopped, gives up, or exits by
 * itself; returns the supervisor's exit code (see {@link supervise}).
 *
 * @example
 * ```ts
 * const code = await runServerInForeground(ctx, "ipfs-mcp", {
 *   allowMissing: false, watch: true, detached: false,
 * });
 * ```
 */
export async function runServerInForeground(
  ctx: Context,
  name: string,
  options: ForegroundOptions,
): Promise<number> {
  const target = await serverTarget(ctx, name);
  const { detached } = options;
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
  if (missingVariables(first).length > 0 && !options.allowMissing) {
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
      baseEnv: definedEnv(ctx.env),
      stateDir: ctx.stateDir,
      logPath: paths.log,
      detached,
      watch: options.watch,
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

/** Writes to the terminal (with its backpressure) and to the log. */
function tee(terminal: Writable, log: Writable): Writable {
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
  return t as unknown as Writable;
}

function flush(sink: Writable): Promise<void> {
  return Promise.race([
    new Promise<void>((r) => {
      const s = sink as unknown as { end?: (cb: () => void) => void };
      if (typeof s.end === "function") s.end(() => r());
      else r();
    }),
    new Promise<void>((r) => setTimeout(r, 2000)),
  ]);
}
