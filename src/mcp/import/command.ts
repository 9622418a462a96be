/**
 * `credkit mcp import` from a command context: finds the files, runs the
 * import (or the restore) and prints the report on stderr (`--json`: the
 * report as data on stdout). No output ever holds a secret.
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import type { Context } from "../../cli/context.ts";
import { usageError } from "../../errors.ts";
import { userConfigFile } from "../../paths.ts";
import { isCompiled } from "../../runtime/compiled.ts";
import { maskString } from "../../mask/policy.ts";
import { restoreBackup } from "./backup.ts";
import {
  classifyFile,
  type ClientFile,
  type ClientName,
  CLIENTS,
  findClientFiles,
  type OsName,
} from "./clients.ts";
import { importFiles } from "./import.ts";
import { formatReport } from "./report.ts";

/** Options of `credkit mcp import`. */
export interface McpImportOptions {
  /** A client file; all found files when absent. */
  file?: string;
  /** `--client NAME`: only this client's files (with FILE: how to read it). */
  client?: string;
  /** `--dry-run`: report what would change, change nothing. */
  dryRun: boolean;
  /** `--force`: replace stored values that differ. */
  force: boolean;
  /** A client file or backup to restore. */
  restore?: string;
  /** The credkit command for per-user files. */
  bin?: string;
}

function clientName(name: string | undefined): ClientName | undefined {
  if (name === undefined) return undefined;
  if (!(CLIENTS as readonly string[]).includes(name)) {
    throw usageError(
      "Cannot import MCP configurations",
      `unknown client "${name}"`,
      `use one of: ${CLIENTS.join(", ")}`,
    );
  }
  return name as ClientName;
}

/**
 * Runs `credkit mcp import`; returns the exit code (1 when a server was left
 * alone because its service already holds another value).
 *
 * @example
 * ```ts
 * const code = await runMcpImport(ctx, { dryRun: true, force: false });
 * ```
 */
export async function runMcpImport(ctx: Context, options: McpImportOptions): Promise<number> {
  if (options.restore) {
    const done = restoreBackup(ctx.stateDir, resolve(ctx.cwd, options.restore));
    if (ctx.globals.json) ctx.io.out(JSON.stringify(done, null, 2) + "\n");
    else if (!ctx.globals.quiet) ctx.io.err(`Restored ${done.path} from ${done.backup}\n`);
    return 0;
  }
  const client = clientName(options.client);
  const os =
    (["linux", "darwin", "win32"].includes(process.platform)
      ? process.platform
      : "linux") as OsName;
  const files: ClientFile[] = options.file
    ? [classifyFile(resolve(ctx.cwd, options.file), { env: ctx.env, client })]
    : findClientFiles({ env: ctx.env, cwd: ctx.cwd, os, client });
  if (!files.length) {
    throw usageError(
      "Cannot import MCP configurations",
      `no ${client ?? "MCP client"} configuration found`,
      "name the file: credkit mcp import path/to/mcp.json",
    );
  }
  if (!options.file && !ctx.globals.quiet && !ctx.globals.json) {
    ctx.io.err(`Found ${files.length} MCP client file(s):\n`);
    for (const f of files) ctx.io.err(`  ${f.client}: ${f.path}\n`);
  }
  const binOpt = options.bin;
  const bin = binOpt
    ? (/[\\/]/.test(binOpt) ? resolve(ctx.cwd, binOpt) : binOpt)
    : isCompiled
    ? process.execPath
    : "credkit";
  const config = await ctx.config();
  const { report, secrets } = await importFiles({
    files,
    dryRun: options.dryRun,
    force: options.force,
    requireServers: options.file !== undefined,
    bin,
    runExtraUser: ctx.globals.file ? ["--file", ctx.stores.filePath] : [],
    userConfig: userConfigFile(ctx.env),
    stateDir: ctx.stateDir,
    services: config.services,
    store: () => ctx.stores.writable(),
    clock: ctx.clock,
  });
  if (ctx.globals.json) {
    ctx.io.out(maskString(JSON.stringify(report, null, 2), secrets) + "\n");
  } else if (!ctx.globals.quiet || options.dryRun) {
    ctx.io.err(formatReport(report, secrets));
  }
  return report.conflicts ? 1 : 0;
}
