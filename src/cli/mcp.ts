/**
 * `credkit mcp serve | import`: an MCP stdio gateway to the tool manifests,
 * and the import of secrets out of MCP client configurations.
 *
 * @module
 */
import * as fs from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import type { Readable, Writable } from "node:stream";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.d.ts"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { usageError } from "../errors.ts";
import { createMcpGateway } from "../executor/mcp_gateway.ts";
import { optBool, optString, optStrings, printJson } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";
import {
  credkitConfigFor,
  defaultBin,
  defaultClientConfig,
  type ImportReport,
  runImport,
} from "./mcp_import.ts";
import { executorFromContext, loadTools } from "../executor/context_tools.ts";

/**
 * Serves every tool manifest as an MCP tool over stdio until stdin closes.
 * Only protocol messages are written to `stdout`; notes go to stderr.
 *
 * @example
 * ```ts
 * const code = await serveMcp(ctx, { toolsDir: ".credkit/tools" });
 * ```
 */
export async function serveMcp(
  ctx: Context,
  options: { toolsDir?: string; stdin?: Readable; stdout?: Writable } = {},
): Promise<number> {
  const set = await loadTools(ctx, options.toolsDir);
  const executor = await executorFromContext(ctx, set.tools);
  const server = createMcpGateway({ tools: set.tools, executor });
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  if (ctx.globals.verbose || set.tools.length === 0) {
    if (!ctx.globals.quiet) {
      ctx.io.err(
        `credkit mcp: serving ${set.tools.length} tool(s)${
          set.dir ? ` from ${set.dir}` : " (no .credkit/tools directory found)"
        }\n`,
      );
    }
  }
  const transport = new StdioServerTransport(stdin, stdout);
  const closed = new Promise<void>((done) => {
    stdin.once("end", () => done());
    stdin.once("close", () => done());
    server.server.onclose = () => done();
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => {});
  return 0;
}

/** Whether `path` is a JSON file with an `mcpServers` object (an MCP client configuration). */
function isClientConfig(path: string): boolean {
  try {
    const data = JSON.parse(fs.readFileSync(path, "utf8"));
    return typeof data === "object" && data !== null && typeof data.mcpServers === "object";
  } catch {
    return false;
  }
}

function summarize(ctx: Context, report: ImportReport): void {
  if (ctx.globals.quiet) return;
  for (const s of report.servers) {
    let line: string;
    switch (s.status) {
      case "wrapped":
        line =
          `${s.name}: ${report.dryRun ? "would move" : "moved"} ${
            s.moved.join(", ")
          } to service ${s.service}` +
          ` (${report.store ?? "no store reachable"})${
            s.kept.length ? `; kept in env: ${s.kept.join(", ")}` : ""
          }`;
        break;
      case "already-wrapped":
        line = `${s.name}: already starts through credkit; unchanged`;
        break;
      case "not-stdio":
        line = `${s.name}: not a stdio server; unchanged`;
        break;
      default:
        line = `${s.name}: no secrets in env; unchanged`;
    }
    ctx.io.err(line + "\n");
    for (const w of s.warnings) ctx.io.err(`  warning: ${w}\n`);
  }
  if (report.dryRun) {
    ctx.io.err(`Dry run: nothing written. ${report.file} would become the configuration above.\n`);
    if (report.changed && report.store === null) {
      ctx.io.err(
        "No keychain is reachable: run the import with --store file (or CREDKIT_STORE=file) to keep the secrets in a 0600 file.\n",
      );
    }
  } else if (report.changed) {
    ctx.io.err(
      `Rewrote ${report.file} (backup: ${report.backup}); services declared in ${report.credkitConfig}\n`,
    );
  } else {
    ctx.io.err(`Nothing to import in ${report.file}\n`);
  }
}

async function importConfig(ctx: Context, args: ParsedArgs): Promise<number> {
  const named = args.positionals[1];
  let explicitCredkit = ctx.globals.config ? resolve(ctx.cwd, ctx.globals.config) : undefined;
  let file: string | undefined;
  if (named) {
    file = resolve(ctx.cwd, named);
  } else if (explicitCredkit && isClientConfig(explicitCredkit)) {
    // `mcp import --config claude_desktop_config.json`: the client file, not a credkit.json.
    file = explicitCredkit;
    explicitCredkit = undefined;
  } else {
    file = defaultClientConfig({ cwd: ctx.cwd, env: ctx.env });
  }
  if (!file) {
    throw usageError(
      "Cannot import an MCP configuration",
      "no .mcp.json here and no Claude Desktop configuration found",
      "name the file: credkit mcp import path/to/claude_desktop_config.json",
    );
  }
  const binOpt = optString(args, "bin");
  const bin = binOpt
    ? (binOpt.includes("/") || binOpt.includes("\\") ? resolve(ctx.cwd, binOpt) : binOpt)
    : defaultBin();
  const report = await runImport({
    file,
    credkitConfig: credkitConfigFor(file, { env: ctx.env, explicit: explicitCredkit }),
    bin,
    dryRun: optBool(args, "dry-run"),
    store: () => ctx.stores.writable(),
    filePath: ctx.stores.filePath,
    fallbackStoreName: ctx.stores.chosen,
  });
  if (ctx.globals.json) {
    printJson(ctx, report);
  } else if (report.dryRun) {
    ctx.io.out(JSON.stringify(report.config, null, 2) + "\n");
  }
  summarize(ctx, report);
  return 0;
}

async function connectRemote(ctx: Context, args: ParsedArgs): Promise<number> {
  const url = args.positionals[1];
  if (!url || args.positionals.length > 2) {
    throw usageError(
      "Cannot run mcp connect",
      url ? "more than one URL given" : "no URL given",
      "use: credkit mcp connect https://mcp.example.com/mcp",
    );
  }
  const { runConnect } = await import("../mcp/connect/connect.ts");
  return await runConnect(ctx, {
    url,
    headers: optStrings(args, "header"),
    service: optString(args, "service"),
    scopes: optStrings(args, "scope").flatMap((s) => s.split(/[\s,]+/)).filter(Boolean),
    clientId: optString(args, "client-id"),
    noBrowser: optBool(args, "no-browser"),
  });
}

/**
 * The `mcp` command.
 *
 * @example
 * ```ts
 * const code = await mcpCommand.run(ctx, { values: {}, positionals: ["serve"], rest: [] });
 * ```
 */
export const mcpCommand: Command & { subcommands: string[] } = {
  name: "mcp",
  summary:
    "serve the tools as an MCP server; import secrets from MCP client configs; connect to remote MCP servers",
  subcommands: ["serve", "import", "connect"],
  usage: `Usage:
  credkit mcp serve [--tools-dir D]
  credkit mcp import [FILE] [--dry-run] [--bin PATH] [--json]
  credkit mcp connect URL [--header 'Name: value']... [--service NAME] [--scope S]...
                      [--client-id ID] [--no-browser]

serve   An MCP stdio server: every manifest under .credkit/tools/ is a tool; calls carry
        the user's credentials, results never do. Only protocol goes to stdout.
        An unauthenticated call answers with the credkit auth signin command to run.
import  Moves the secrets in the "env" of each server of an MCP client configuration
        (Claude Desktop claude_desktop_config.json, Claude Code / Cursor .mcp.json;
        default: ./.mcp.json, else Claude Desktop's) into credkit's store, under a
        service mcp-<server> declared in credkit.json (--config, else found beside the
        file, else created), and rewrites the server to start through
        credkit run --mcp --only mcp-<server> -- <command> <args>, with the same
        environment as before. A 0600 backup FILE.credkit-backup is kept; a rerun
        changes nothing. --dry-run prints the new configuration and writes nothing.
  --bin PATH  credkit command written into the configuration (default: this binary
              when compiled, else credkit from PATH)

connect A stdio MCP server relaying to the remote MCP server at URL (Streamable HTTP,
        else HTTP+SSE). On 401 credkit signs in (OAuth 2.1: discovery, dynamic
        registration, PKCE, loopback redirect on 127.0.0.1) by opening $BROWSER (else
        the platform opener; the URL is always printed on stderr) and keeps the tokens
        in the store under --service (default mcp-<host>); concurrent connects share
        one sign-in and one refresh. \${VAR} in --header values and URL query values is
        filled from credkit's credentials. Nothing the client receives holds a token.
  --header 'Name: value'  sent with every request (e.g. 'Authorization: Bearer \${GITHUB_TOKEN}')
  --scope S       scope to ask for (repeatable); --client-id ID: a pre-registered client
  --no-browser    print the sign-in URL only

Examples:
  claude mcp add credkit -- credkit mcp serve
  claude mcp add linear -- credkit mcp connect https://mcp.linear.app/mcp
  credkit mcp connect https://api.githubcopilot.com/mcp/ --header 'Authorization: Bearer \${GITHUB_TOKEN}'
  credkit mcp import ~/Library/Application\\ Support/Claude/claude_desktop_config.json --dry-run`,
  options: {
    "tools-dir": { type: "string" },
    "dry-run": { type: "boolean" },
    bin: { type: "string" },
    header: { type: "string", multiple: true },
    service: { type: "string" },
    scope: { type: "string", multiple: true },
    "client-id": { type: "string" },
    "no-browser": { type: "boolean" },
  },
  maxPositionals: 2,
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const sub = args.positionals[0];
    if (sub === "serve") return await serveMcp(ctx, { toolsDir: optString(args, "tools-dir") });
    if (sub === "import") return await importConfig(ctx, args);
    if (sub === "connect") return await connectRemote(ctx, args);
    throw usageError(
      "Cannot run mcp",
      sub ? `unknown subcommand "${sub}"` : "no subcommand given",
      "use: credkit mcp serve | credkit mcp import [FILE] | credkit mcp connect URL",
    );
  },
};
