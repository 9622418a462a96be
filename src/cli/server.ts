/**
 * `credkit server start|stop|restart|status|logs|run <name>`: long-running
 * servers (MCP servers, local APIs) declared in credkit.json, started with
 * their resolved credentials, supervised, logged with secrets masked, and
 * restarted when they crash or when their credentials change. This module
 * parses the options; the work is done in src/supervise/.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { startServer, stopServer } from "../supervise/server_control.ts";
import { runServerInForeground } from "../supervise/server_foreground.ts";
import { showServerLog } from "../supervise/server_logs.ts";
import { renderStatus, serverStatuses } from "../supervise/server_status.ts";
import { serverTarget } from "../supervise/server_target.ts";
import { note, optBool, optString, printJson } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The subcommands of `server`, in the order the usage lists them. */
export const SUBCOMMANDS: readonly ["start", "stop", "restart", "status", "logs", "run"] = [
  "start",
  "stop",
  "restart",
  "status",
  "logs",
  "run",
] as const;

/** A `server` subcommand. */
export type ServerSubcommand = typeof SUBCOMMANDS[number];

/** The options of `credkit server`, parsed once. */
export interface ServerOptions {
  /** The subcommand. */
  sub: ServerSubcommand;
  /** The server named (optional only for `status`). */
  name?: string;
  /** `--allow-missing`: start even when credentials are missing. */
  allowMissing: boolean;
  /** `--watch`: restart when a credential changes. */
  watch: boolean;
  /** `--follow` of `logs`. */
  follow: boolean;
  /** `--lines N` of `logs`. @default 50 */
  lines: number;
  /** `--detached-child`: this process is the supervisor `server start` launched. */
  detachedChild: boolean;
}

/**
 * Parses `server`'s arguments; exit 2 for an unknown subcommand, an extra
 * argument or a bad `--lines`.
 *
 * @example
 * ```ts
 * parseServerOptions({ values: {}, positionals: ["status", "mcp"], rest: [] }).sub; // "status"
 * ```
 */
export function parseServerOptions(args: ParsedArgs): ServerOptions {
  const [sub, name, ...extra] = args.positionals;
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw usageError(
      sub ? `Unknown server subcommand "${sub}"` : "Missing server subcommand",
      `expected one of ${SUBCOMMANDS.join(", ")}`,
      "see credkit server --help",
    );
  }
  if (extra.length) throw usageError("Too many arguments", "the extra argument is not shown");
  let lines = 50;
  if (sub === "logs") {
    const raw = optString(args, "lines") ?? "50";
    lines = Number(raw);
    if (!Number.isInteger(lines) || lines < 0) {
      throw usageError("Invalid --lines", `"${raw}" is not a line count`);
    }
  }
  return {
    sub: sub as ServerSubcommand,
    name,
    allowMissing: optBool(args, "allow-missing"),
    watch: optBool(args, "watch"),
    follow: optBool(args, "follow"),
    lines,
    detachedChild: optBool(args, "detached-child"),
  };
}

/**
 * Runs `server`.
 *
 * @example
 * ```ts
 * const code = await runServer(ctx, parseServerOptions(args));
 * ```
 */
export async function runServer(ctx: Context, opts: ServerOptions): Promise<number> {
  const { name } = opts;
  switch (opts.sub) {
    case "start":
    case "restart": {
      if (opts.sub === "restart") {
        await serverTarget(ctx, name);
        const outcome = await stopServer(ctx, name!);
        if (outcome === "stopped") note(ctx, `credkit: server ${name} stopped`);
      }
      const r = await startServer(ctx, (await serverTarget(ctx, name)).name, {
        allowMissing: opts.allowMissing,
        watch: opts.watch,
      });
      if (ctx.globals.json) printJson(ctx, { ...r, running: true });
      else if (r.alreadyRunning) {
        note(ctx, `credkit: server ${r.name} is already running (pid ${r.pid}); log: ${r.logPath}`);
      } else {
        note(ctx, `credkit: server ${r.name} started (pid ${r.pid}); log: ${r.logPath}`);
      }
      return 0;
    }
    case "stop": {
      await serverTarget(ctx, name);
      const outcome = await stopServer(ctx, name!);
      if (ctx.globals.json) printJson(ctx, { name, outcome });
      else if (outcome === "stopped") note(ctx, `credkit: server ${name} stopped`);
      else if (outcome === "stale") {
        note(
          ctx,
          `credkit: server ${name} is not running (stale state removed; nothing was signalled)`,
        );
      } else note(ctx, `credkit: server ${name} is not running`);
      return 0;
    }
    case "status": {
      const statuses = await serverStatuses(ctx, name);
      if (ctx.globals.json) printJson(ctx, name ? statuses[0] : { servers: statuses });
      else if (statuses.length === 0) note(ctx, "credkit: no servers are declared in credkit.json");
      else ctx.io.out(statuses.map(renderStatus).join("\n"));
      return 0;
    }
    case "logs": {
      await serverTarget(ctx, name);
      await showServerLog(ctx, name!, { lines: opts.lines, follow: opts.follow });
      return 0;
    }
    case "run":
      return await runServerInForeground(ctx, name ?? "", {
        allowMissing: opts.allowMissing,
        watch: opts.watch,
        detached: opts.detachedChild,
      });
  }
}

/** The `server` command. */
export const serverCommand: Command = {
  name: "server",
  summary: "start, stop, restart, inspect and supervise long-running servers",
  usage: `Usage: credkit server start|stop|restart|status|logs|run <name> [options]

Servers are declared in credkit.json under "servers" (command, args, services,
ready {url | logLine, timeoutMs}, restart {maxRestarts, backoffMs, maxBackoffMs},
stopTimeoutMs). Their output is logged with every secret replaced by ****.

  start <name>     start detached with its credentials; wait until ready;
                   missing credentials: prompt on a terminal, else exit 3
    --allow-missing  start even when credentials are missing
    --watch          also restart it when its credentials change
  stop <name>      SIGTERM its process group, SIGKILL after stopTimeoutMs
  restart <name>   stop, then start
  status [name]    running, pid, uptime, restarts, credentials and their source,
                   and which changed since it started (--json)
  logs <name>      the last lines of its log
    -n, --lines N    how many (default 50)
    -f, --follow     keep printing new lines
  run <name>       supervise in the foreground: restart on crash with backoff,
                   give up after maxRestarts quick crashes (exit 1)
    --watch          restart within a second when a credential changes through credkit

Examples:
  credkit server start ipfs-mcp
  credkit server status --json
  credkit server logs ipfs-mcp -f
  credkit server run ipfs-mcp --watch`,
  options: {
    "allow-missing": { type: "boolean" },
    watch: { type: "boolean" },
    follow: { type: "boolean", short: "f" },
    lines: { type: "string", short: "n" },
    "detached-child": { type: "boolean" },
  },
  maxPositionals: 2,
  subcommands: [...SUBCOMMANDS],
  run: (ctx, args) => runServer(ctx, parseServerOptions(args)),
};
