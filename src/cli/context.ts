/**
 * What every command's `run` function receives: options, io, environment and
 * the dependencies it may use (stores, config, clock, spawn, fetch). Only
 * main.ts builds the real ones; tests build their own.
 *
 * @module
 */
import type { ParseArgsConfig } from "node:util";
import type { spawn as nodeSpawn } from "node:child_process";
import type { Env } from "../paths.ts";
import type { Stores } from "../store/stores.ts";
import type { BackendName } from "../store/registry.ts";
import type { LoadedConfig } from "../config.ts";

/** Output and input streams of a command. */
export interface Io {
  /** Writes to stdout. */
  out(text: string | Uint8Array): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** Whether stdin is a terminal. */
  stdinIsTTY: boolean;
  /** Reads all of stdin as UTF-8. */
  readStdin(): Promise<string>;
  /** Asks a question on the terminal; `hidden` turns echo off (for secrets). */
  prompt(question: string, options?: { hidden?: boolean }): Promise<string>;
}

/** The global options, accepted before or after the command name. */
export interface Globals {
  /** `--store` or `CREDKIT_STORE`: a name from the backend registry. */
  store?: BackendName;
  /** `--file PATH`: the file store path. */
  file?: string;
  /** `--config PATH`: the project config, trusted because the user named it. */
  config?: string;
  /** `--json`: machine-readable output. */
  json: boolean;
  /** True with `--no-input`, when stdin is not a TTY, or when `CI` is set. */
  noInput: boolean;
  /** `-q`: no notes or warnings on stderr. */
  quiet: boolean;
  /** `-v`: details on stderr. */
  verbose: boolean;
}

/** Dependencies and settings passed to a command. */
export interface Context {
  /** The process environment. */
  env: Env;
  /** The working directory. */
  cwd: string;
  /** Terminal input and output. */
  io: Io;
  /** The global options. */
  globals: Globals;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** The stores to read from and write to. */
  stores: Stores;
  /** Built-in catalog merged with credkit.json (loaded on first use). */
  config: () => Promise<LoadedConfig>;
  /** HTTP client (token refresh, tools). */
  fetch: typeof globalThis.fetch;
  /** Process spawner. */
  spawn: typeof nodeSpawn;
  /** Directory for locks, server state and change notices. */
  stateDir: string;
}

/** Parsed arguments of one command. */
export interface ParsedArgs {
  /** Option values by long name. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  /** Positional arguments before `--`. */
  positionals: string[];
  /** Everything after a literal `--`. */
  rest: string[];
}

/** A command: its option table and a `run` function returning the exit code. */
export interface Command {
  /** The command name, as typed. */
  name: string;
  /** One line for `credkit --help`. */
  summary: string;
  /** Usage text for `credkit <name> --help` (an example included). */
  usage: string;
  /** Command-specific options, in `node:util` parseArgs form. */
  options: NonNullable<ParseArgsConfig["options"]>;
  /**
   * How many positional arguments the command takes (subcommand included);
   * more are refused with exit 2, without echoing them.
   * @default unlimited
   */
  maxPositionals?: number;
  /** Subcommands, for help and shell completion (`auth` → signin, status, …). */
  subcommands?: readonly string[];
  /** Runs the command; resolves to the exit code. */
  run(ctx: Context, args: ParsedArgs): Promise<number>;
}
