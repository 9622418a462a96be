/**
 * argv → command → exit code. Global options are accepted before or after
 * the command name; everything after a literal `--` is passed through.
 *
 * @module
 */
import { statSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CredkitError, exitCodeFor, formatError, usageError } from "../errors.ts";
import { VERSION, versionLine } from "../version.ts";
import { BACKEND_NAMES, isBackendName } from "../store/registry.ts";
import type { CommandEntry } from "./commands.ts";
import type { Context, Globals, Io } from "./context.ts";

/** Options every command accepts. */
export const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  store: { type: "string" },
  file: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
  "no-input": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};

const GLOBAL_HELP = `Global options (before or after the command):
  --store ${BACKEND_NAMES.join("|")}
                         store to write to (and read from); default: keychain when reachable
  --file PATH            file store path (default $CREDKIT_HOME/credentials.json,
                         else $XDG_CONFIG_HOME/credkit/credentials.json)
  --config PATH          credkit.json to use (default: found from the current directory up)
  --json                 machine-readable output (never contains a secret)
  --no-input             never prompt (implied without a TTY or when CI is set)
  -q, --quiet            only errors on stderr
  -v, --verbose          more detail on stderr
  -h, --help             help for credkit or a command
  --version              print the version`;

/** The top-level help text. */
export function generalHelp(commands: CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `credkit ${VERSION}: credentials for developers, CI jobs and MCP servers, never leaked

Usage: credkit <command> [options]

Commands:
${lines.join("\n")}

${GLOBAL_HELP}

Exit codes: 0 ok, 1 error, 2 usage, 3 missing credentials or sign-in required,
4 store unavailable; run passes the child's code through (128+N for signal N).
Run 'credkit <command> --help' for a command's options and an example.
`;
}

function findCommandIndex(head: string[]): number {
  for (let i = 0; i < head.length; i++) {
    const tok = head[i];
    if (!tok.startsWith("-") || tok === "-") return i;
    const name = tok.replace(/^--?/, "").split("=")[0];
    const def = Object.entries(GLOBAL_OPTIONS).find(([k, v]) => k === name || v.short === name)
      ?.[1];
    if (def?.type === "string" && !tok.includes("=")) i++;
  }
  return -1;
}

/** `--file` must not be a FIFO, socket or device (a FIFO would hang every read). */
function refuseSpecialFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    return; // absent or unreadable: the store reports it
  }
  if (!st.isFile() && !st.isDirectory()) {
    throw usageError(`Invalid --file ${path}`, "it is not a regular file", "name a JSON file");
  }
}

/** Resolves `--no-input`: explicit, no TTY on stdin, or CI set. */
export function impliedNoInput(
  explicit: boolean,
  stdinIsTTY: boolean,
  env: Record<string, string | undefined>,
): boolean {
  return explicit || !stdinIsTTY || (env.CI !== undefined && env.CI !== "" && env.CI !== "false");
}

/** What {@link runCli} needs from its caller. */
export interface CliHost {
  io: Io;
  env: Record<string, string | undefined>;
  commands: CommandEntry[];
  /** Builds the context once options are known (stores, config, …). */
  makeContext(globals: Globals): Context | Promise<Context>;
}

/**
 * Parses argv, runs the command, and returns the exit code. Errors are
 * printed as one line on stderr.
 *
 * @example
 * ```ts
 * const code = await runCli(["show", "--json"], host);
 * ```
 */
export async function runCli(argv: string[], host: CliHost): Promise<number> {
  const { io, commands } = host;
  try {
    const dd = argv.indexOf("--");
    const head = dd === -1 ? argv : argv.slice(0, dd);
    const rest = dd === -1 ? [] : argv.slice(dd + 1);
    const at = findCommandIndex(head);
    const name = at === -1 ? undefined : head[at];
    const entry = name === undefined ? undefined : commands.find((c) => c.name === name);
    if (name !== undefined && !entry) {
      throw usageError(
        `Unknown command "${name}"`,
        `expected one of ${commands.map((c) => c.name).join(", ")}`,
      );
    }
    const command = await entry?.load();
    const optionArgs = at === -1 ? head : [...head.slice(0, at), ...head.slice(at + 1)];
    let parsed;
    try {
      parsed = parseArgs({
        args: optionArgs,
        options: { ...GLOBAL_OPTIONS, ...(command?.options ?? {}) },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw usageError(
        name ? `Invalid options for ${name}` : "Invalid options",
        (err as Error).message.split("\n")[0].replace(/\.$/, ""),
        `see credkit ${name ?? ""} --help`.replace("  ", " "),
      );
    }
    const v = parsed.values as Record<string, string | boolean | undefined>;
    if (v.version) {
      io.out(`${versionLine()}\n`);
      return 0;
    }
    if (!command) {
      io.out(generalHelp(commands));
      return name === undefined && !v.help && argv.length === 0 ? 2 : 0;
    }
    if (v.help) {
      io.out(`${command.usage.trim()}\n\n${GLOBAL_HELP}\n`);
      return 0;
    }
    for (const option of ["file", "config", "store"]) {
      if (v[option] === "") {
        throw usageError(
          `Invalid --${option}`,
          "it is empty",
          `name a ${option === "store" ? "store" : "path"}`,
        );
      }
    }
    if (typeof v.file === "string") refuseSpecialFile(v.file);
    const store = (v.store as string | undefined) ?? (host.env.CREDKIT_STORE || undefined);
    if (store !== undefined && !isBackendName(store)) {
      throw usageError("Invalid store", `"${store}" is not one of ${BACKEND_NAMES.join(", ")}`);
    }
    let noInput: boolean | undefined;
    const globals: Globals = {
      store: store as Globals["store"],
      file: v.file as string | undefined,
      config: v.config as string | undefined,
      json: Boolean(v.json),
      // Asked on first use: telling whether stdin is a terminal loads node:tty,
      // which `run` never needs.
      get noInput() {
        return (noInput ??= impliedNoInput(Boolean(v["no-input"]), io.stdinIsTTY, host.env));
      },
      set noInput(value: boolean) {
        noInput = value;
      },
      quiet: Boolean(v.quiet),
      verbose: Boolean(v.verbose),
    };
    const max = command.maxPositionals;
    if (max !== undefined && parsed.positionals.length > max) {
      // The extra argument is never echoed: it may be a secret typed by mistake.
      throw usageError(
        `Too many arguments for ${command.name}`,
        max === 0
          ? "it takes no positional argument (the extra one is not shown)"
          : `it takes at most ${max} (argument ${max + 1} is not shown)`,
        command.name === "add"
          ? "secrets are never taken from argv: use --stdin, --from-env or the prompt"
          : `see credkit ${command.name} --help`,
      );
    }
    const ctx = await host.makeContext(globals);
    return await command.run(ctx, { values: parsed.values, positionals: parsed.positionals, rest });
  } catch (err) {
    if (err instanceof CredkitError) {
      // Ctrl-C at a prompt ends quietly, as in a shell.
      if (err.kind !== "interrupted") io.err(formatError(err) + "\n");
    } else {
      const message = err instanceof Error ? err.message : String(err);
      io.err(`credkit: unexpected error: ${message.split("\n")[0]}\n`);
    }
    return exitCodeFor(err);
  }
}
