/**
 * The command table. Each command's module is loaded only when that command
 * runs, so `credkit run` does not pay for the MCP SDK or the OAuth client.
 *
 * @module
 */
import type { Command } from "./context.ts";

/** A command's name and summary, and how to load the rest of it. */
export interface CommandEntry {
  /** The command name, as typed. */
  name: string;
  /** One line for `credkit --help` (the loaded command's `summary`). */
  summary: string;
  /** Loads the command's module (commands load lazily). */
  load(): Promise<Command>;
}

/** Every command, in help order. */
export const COMMANDS: CommandEntry[] = [
  {
    name: "add",
    summary: "store a service's credentials (prompt, --stdin or --from-env; never argv)",
    load: async () => (await import("./add.ts")).addCommand,
  },
  {
    name: "show",
    summary: "show fields, masked, with the source of each value",
    load: async () => (await import("./show.ts")).showCommand,
  },
  {
    name: "get",
    summary: "print one raw value for scripts (exit 3 when missing)",
    load: async () => (await import("./get.ts")).getCommand,
  },
  {
    name: "rm",
    summary: "remove a service (or some fields) from the chosen store",
    load: async () => (await import("./rm.ts")).rmCommand,
  },
  {
    name: "list",
    summary: "list services, the stores holding them, and missing fields",
    load: async () => (await import("./list.ts")).listCommand,
  },
  {
    name: "export",
    summary: "write variables as dotenv, shell, json, or to $GITHUB_ENV",
    load: async () => (await import("./export.ts")).exportCommand,
  },
  {
    name: "import",
    summary: "import from the environment, an ipfs_kit config.json / .env, or kiwi-mcp",
    load: async () => (await import("./import.ts")).importCommand,
  },
  {
    name: "run",
    summary: "start a command or MCP server with its credentials, output masked",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "server",
    summary: "start, stop, restart, inspect and supervise long-running servers",
    load: async () => (await import("./server.ts")).serverCommand,
  },
  {
    name: "test",
    summary: "test every backend with only its own credentials (table, JSON, JUnit)",
    load: async () => (await import("./test.ts")).testCommand,
  },
  {
    name: "auth",
    summary: "sign in to services and keep their OAuth tokens fresh",
    load: async () => (await import("./auth.ts")).authCommand,
  },
  {
    name: "tool",
    summary: "list and run authenticated HTTP tools declared in .credkit/tools/",
    load: async () => (await import("./tool.ts")).toolCommand,
  },
  {
    name: "mcp",
    summary:
      "serve the tools as an MCP server; import secrets from MCP client configs; connect to remote MCP servers",
    load: async () => (await import("./mcp.ts")).mcpCommand,
  },
  {
    name: "trust",
    summary: "trust a project credkit.json that sends credentials (auth, tools); list, revoke",
    load: async () => (await import("./trust.ts")).trustCommand,
  },
  {
    name: "doctor",
    summary: "check stores, permissions, keychain backend, config and missing credentials",
    load: async () => (await import("./doctor.ts")).doctorCommand,
  },
  {
    name: "completions",
    summary: "print a shell completion script (bash, zsh or fish)",
    load: async () => (await import("./completions.ts")).completionsCommand,
  },
];

/**
 * Loads every command (for completions and tests).
 *
 * @example
 * ```ts
 * const names = (await loadAllCommands()).map((c) => c.name);
 * ```
 */
export async function loadAllCommands(): Promise<Command[]> {
  return await Promise.all(COMMANDS.map((c) => c.load()));
}
