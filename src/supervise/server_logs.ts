/**
 * A server's log: its last lines (shown by `server logs` and when a server
 * fails to start) and following it as it grows, across restarts.
 *
 * @module
 */
import * as fs from "node:fs";
import { CredkitError } from "../errors.ts";
import { onTerminationSignals } from "../process/signals.ts";
import type { Context } from "../cli/context.ts";
import { serverPaths } from "./server_state.ts";

/** How often a followed log is checked for new bytes. */
const FOLLOW_POLL_MS = 200;
/** How much of the end of a log {@link tailLines} reads at most. */
const TAIL_BYTES = 256 * 1024;

/**
 * The last `n` lines of a file (empty when it cannot be read).
 *
 * @example
 * ```ts
 * tailLines("/home/u/.local/state/credkit/servers/mcp.log", 20);
 * ```
 */
export function tailLines(path: string, n: number): string[] {
  let text: string;
  try {
    const fd = fs.openSync(path, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, TAIL_BYTES);
      const buf = new Uint8Array(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = new TextDecoder().decode(buf);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.slice(-n);
}

/** Options of {@link showServerLog}. */
export interface ShowLogOptions {
  /** How many of the last lines to print. */
  lines: number;
  /** Keep printing new bytes until SIGINT, SIGTERM or SIGHUP. */
  follow: boolean;
}

/**
 * Prints the last lines of a server's log on stdout, then, with `follow`,
 * what is appended to it (starting over when a restart makes a new log).
 * Throws exit 1 naming `server start` when there is no log.
 *
 * @example
 * ```ts
 * await showServerLog(ctx, "ipfs-mcp", { lines: 50, follow: false });
 * ```
 */
export async function showServerLog(
  ctx: Context,
  name: string,
  options: ShowLogOptions,
): Promise<void> {
  const path = serverPaths(ctx.stateDir, name).log;
  if (!fs.existsSync(path)) {
    throw new CredkitError(
      "error",
      `No log for server ${name}`,
      `${path} does not exist`,
      `start it with credkit server start ${name}`,
    );
  }
  const tail = tailLines(path, options.lines);
  if (tail.length) ctx.io.out(tail.join("\n") + "\n");
  if (options.follow) await followLog(ctx, path);
}

async function followLog(ctx: Context, path: string): Promise<void> {
  let pos = fs.statSync(path).size;
  let stopped = false;
  const stopListening = onTerminationSignals(() => (stopped = true));
  try {
    while (!stopped) {
      let size = 0;
      try {
        size = fs.statSync(path).size;
      } catch { /* rotated: wait for the new file */ }
      if (size < pos) pos = 0; // a new log after a restart
      if (size > pos) {
        const fd = fs.openSync(path, "r");
        try {
          const buf = new Uint8Array(Math.min(size - pos, 1024 * 1024));
          const n = fs.readSync(fd, buf, 0, buf.length, pos);
          pos += n;
          ctx.io.out(buf.subarray(0, n));
        } finally {
          fs.closeSync(fd);
        }
        continue;
      }
      await new Promise<void>((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  } finally {
    stopListening();
  }
}
