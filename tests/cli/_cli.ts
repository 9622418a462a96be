/**
 * Drives the whole CLI in-process over memory stores.
 *
 * @module
 */
import { runCli } from "../../src/cli/cli.ts";
import { COMMANDS } from "../../src/cli/commands.ts";
import { makeTestContext, type TestContextOptions } from "../_helpers.ts";
import type { MemoryBackend } from "../../src/store/memory.ts";

/** Result of {@link cli}. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
  backends: Map<string, MemoryBackend>;
  prompts: string[];
}

/**
 * Runs `credkit <argv>` with memory stores and captured io.
 *
 * @example
 * ```ts
 * const r = await cli(["show", "--json"], { keychain: { aws: { region: "x" } } });
 * ```
 */
export async function cli(argv: string[], options: TestContextOptions = {}): Promise<CliResult> {
  const first = makeTestContext(options);
  let t = first;
  const code = await runCli(argv, {
    io: first.ctx.io,
    env: first.ctx.env,
    commands: COMMANDS,
    makeContext: (globals) => {
      // Stores follow the parsed --store, as main.ts builds them.
      t = makeTestContext({ ...options, chosen: globals.store ?? options.chosen });
      t.ctx.io = first.ctx.io;
      t.ctx.globals = { ...globals, ...options.globals };
      return t.ctx;
    },
  });
  const err = first.captured.err + (t === first ? "" : t.captured.err);
  return { code, out: first.captured.out, err, backends: t.backends, prompts: first.prompts };
}

/**
 * Runs `credkit <argv>` in an existing test context (its stores and files
 * persist across calls), with that call's output.
 *
 * @example
 * ```ts
 * const t = makeTestContext();
 * const r = await cliWith(t, ["tool", "list"]);
 * ```
 */
export async function cliWith(
  t: ReturnType<typeof makeTestContext>,
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  t.captured.out = "";
  t.captured.err = "";
  const code = await runCli(argv, {
    io: t.ctx.io,
    env: t.ctx.env,
    commands: COMMANDS,
    makeContext: (globals) => {
      t.ctx.globals = globals;
      return t.ctx;
    },
  });
  return { code, out: t.captured.out, err: t.captured.err };
}
