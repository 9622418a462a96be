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
  file?: string;
  config?: string;
  json: boolean;
  /** True with `--no-input`, when stdin is not a TTY, or when `CI` is set. */
  noInput: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** Dependencies and settings passed to a command. */
export interface Context {
  env: Env;
  cwd: string;
  io: Io;
  globals: Globals;
  /** Milliseconds since the epoch. */
  clock: () => number;
  stores: Stores;
  /** Built-in catalog merged with credkit.json (loaded on first use). */
  config: () => Promise<LoadedConfig>;
  fetch: typeof globalThis.fetch;
  spawn: typeof nodeSpawn;
  /** Directory for locks, server state and change notices. */
  stateDir: string;
}

/** Parsed arguments of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** Everything after a literal `--`. */
  rest: string[];
}

/** A command: its option table and a `run` function returning the exit code. */
export interface Command {
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
  run(ctx: Context, args: ParsedArgs): Promise<number>;
}
