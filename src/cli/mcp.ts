/**
 * `credkit mcp serve | import | connect`: parses the options of each
 * subcommand and calls its module under `src/mcp/` (loaded only when used).
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { optBool, optString, optStrings } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";
import type { McpImportOptions } from "../mcp/import/command.ts";
import type { ConnectOptions } from "../mcp/connect/connect.ts";
import type { McpServeOptions } from "../mcp/serve.ts";

/** The options of `credkit mcp serve`, parsed once. */
export interface McpServeCommandOptions extends McpServeOptions {
  /** The subcommand. */
  sub: "serve";
}

/** The options of `credkit mcp import`, parsed once. */
export interface McpImportCommandOptions extends McpImportOptions {
  /** The subcommand. */
  sub: "import";
}

/** The options of `credkit mcp connect`, parsed once. */
export interface McpConnectCommandOptions extends ConnectOptions {
  /** The subcommand. */
  sub: "connect";
}

/** The options of `credkit mcp`, one shape per subcommand. */
export type McpOptions =
  | McpServeCommandOptions
  | McpImportCommandOptions
  | McpConnectCommandOptions;

/**
 * Parses `mcp`'s arguments into the options of its subcommand; exit 2 for an
 * unknown or missing subcommand, or `connect` without exactly one URL.
 *
 * @example
 * ```ts
 * parseMcpOptions({ values: { "dry-run": true }, positionals: ["import"], rest: [] }).sub; // "import"
 * ```
 */
export function parseMcpOptions(args: ParsedArgs): McpOptions {
  const sub = args.positionals[0];
  if (sub === "serve") return { sub, toolsDir: optString(args, "tools-dir") };
  if (sub === "import") {
    return {
      sub,
      file: args.positionals[1],
      client: optString(args, "client"),
      dryRun: optBool(args, "dry-run"),
      force: optBool(args, "force"),
      restore: optString(args, "restore"),
      bin: optString(args, "bin"),
    };
  }
  if (sub === "connect") {
    const url = args.positionals[1];
    if (!url || args.positionals.length > 2) {
      throw usageError(
        "Cannot run mcp connect",
        url ? "more than one URL given" : "no URL given",
        "use: credkit mcp connect https://mcp.example.com/mcp",
      );
    }
    return {
      sub,
      url,
      headers: optStrings(args, "header"),
      service: optString(args, "service"),
      scopes: optStrings(args, "scope").flatMap((s) => s.split(/[\s,]+/)).filter(Boolean),
      clientId: optString(args, "client-id"),
      noBrowser: optBool(args, "no-browser"),
    };
  }
  throw usageError(
    "Cannot run mcp",
    sub ? `unknown subcommand "${sub}"` : "no subcommand given",
    "use: credkit mcp serve | credkit mcp import [FILE] | credkit mcp connect URL",
  );
}

/**
 * Runs `mcp` with parsed options; `import` and `connect` load their modules
 * only when used.
 *
 * @example
 * ```ts
 * const code = await runMcp(ctx, parseMcpOptions(args));
 * ```
 */
export async function runMcp(ctx: Context, opts: McpOptions): Promise<number> {
  switch (opts.sub) {
    case "serve": {
      const { serveMcp } = await import("../mcp/serve.ts");
      return await serveMcp(ctx, opts);
    }
    case "import": {
      const { runMcpImport } = await import("../mcp/import/command.ts");
      return await runMcpImport(ctx, opts);
    }
    case "connect": {
      const { runConnect } = await import("../mcp/connect/connect.ts");
      return await runConnect(ctx, opts);
    }
  }
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
  credkit mcp import [FILE] [--client NAME] [--dry-run] [--force] [--bin PATH] [--json]
  credkit mcp import --restore FILE
  credkit mcp connect URL [--header 'Name: value']... [--service NAME] [--scope S]...
                      [--client-id ID] [--no-browser]

serve   An MCP stdio server: every manifest under .credkit/tools/ is a tool; calls carry
        the user's credentials, results never do. Only protocol goes to stdout.
        An unauthenticated call answers with the credkit auth signin command to run.
import  Moves the secrets of MCP client configurations (env, args, remote headers and
        URL keys) into credkit's store, one service per client server
        (mcp-<client>-[<project>-]<server>) declared in the user config, and rewrites
        each server in place (JSONC kept) to start through
        credkit run --mcp --only S --require S [--arg-secrets] -- <command> <args>
        (remote servers: credkit mcp connect URL --service S --header 'Name: \${VAR}').
        Without FILE: every file of Claude Desktop, Claude Code, Cursor, VS Code and
        Windsurf found (user files, and project files here and in Claude Code's projects).
  --client NAME  only this client's files (claude-desktop, claude-code, cursor, vscode, windsurf)
  --dry-run      show per server what would move (values masked); write nothing
  --force        replace a stored value that differs
  --restore FILE put back the original of FILE (or a backup file) from <state>/backups/
  --bin PATH     credkit command written into per-user files (default: this binary
                 when compiled, else credkit)
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
  credkit mcp import --dry-run
  credkit mcp import ~/.cursor/mcp.json
  claude mcp add linear -- credkit mcp connect https://mcp.linear.app/mcp
  credkit mcp connect https://api.githubcopilot.com/mcp/ --header 'Authorization: Bearer \${GITHUB_TOKEN}'`,
  options: {
    "tools-dir": { type: "string" },
    "dry-run": { type: "boolean" },
    bin: { type: "string" },
    client: { type: "string" },
    force: { type: "boolean" },
    restore: { type: "string" },
    header: { type: "string", multiple: true },
    service: { type: "string" },
    scope: { type: "string", multiple: true },
    "client-id": { type: "string" },
    "no-browser": { type: "boolean" },
  },
  maxPositionals: 2,
  run: (ctx: Context, args: ParsedArgs): Promise<number> => runMcp(ctx, parseMcpOptions(args)),
};
