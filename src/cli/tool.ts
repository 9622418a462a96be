/**
 * `credkit tool list | run`: the tools declared as manifests under
 * `.credkit/tools/`, run with credentials the caller never sees.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import type { ToolResult } from "../executor/result.ts";
import { coerceParams } from "../executor/params.ts";
import type { LoadedTool } from "../executor/manifest.ts";
import { executorFromContext, loadTools, type ToolSet } from "../executor/context_tools.ts";
import { note, optString, optStrings, printJson, renderTable } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/**
 * The exit code for a tool result: 0 success, 3 sign-in or credentials
 * needed, 2 invalid parameters or unknown tool, 1 any other failure.
 *
 * @example
 * ```ts
 * toolExitCode(result); // 3 when result.metadata.auth_required
 * ```
 */
export function toolExitCode(result: ToolResult): number {
  if (result.success) return 0;
  const kind = result.metadata.error_kind;
  if (result.metadata.auth_required || kind === "missing_credentials") return 3;
  if (kind === "invalid_params" || kind === "unknown_tool") return 2;
  return 1;
}

/** Actions of a tool and the scope each needs (`null`: public). */
function actionsOf(tool: LoadedTool): Record<string, string | null> {
  return { ...(tool.manifest.scopes ?? {}) };
}

function listTools(ctx: Context, set: ToolSet): number {
  if (ctx.globals.json) {
    printJson(ctx, {
      dir: set.dir ?? null,
      tools: set.tools.map((t) => ({
        id: t.manifest.id,
        type: t.manifest.type,
        description: t.manifest.description,
        service: t.manifest.auth?.service ?? null,
        required_scope: t.manifest.required_scope ?? null,
        actions: actionsOf(t),
        params: t.params,
        file: t.file,
      })),
    });
    return 0;
  }
  if (set.tools.length === 0) {
    note(
      ctx,
      set.dir
        ? `No tool manifests in ${set.dir}`
        : "No tools: put manifests in .credkit/tools/ (next to credkit.json) or pass --tools-dir",
    );
    return 0;
  }
  const rows = [["TOOL", "SERVICE", "ACTIONS", "DESCRIPTION"]];
  for (const t of set.tools) {
    const actions = Object.entries(actionsOf(t)).map(([a, s]) => (s ? `${a}(${s})` : a)).join(" ");
    rows.push([
      t.manifest.id,
      t.manifest.auth?.service ?? "-",
      actions || "-",
      t.manifest.description,
    ]);
  }
  ctx.io.out(renderTable(rows));
  return 0;
}

function parseParamArgs(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw usageError("Invalid --param", `expected k=v, got "${v.slice(0, 40)}"`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** The options of `credkit tool`, parsed once. */
export interface ToolOptions {
  /** The subcommand as given (`list` or `run`; anything else is refused by {@link runTool}). */
  subcommand?: string;
  /** `run`: the id of the tool to run. */
  toolId?: string;
  /** `--action A`: the `action` parameter. */
  action?: string;
  /** `--param k=v` pairs, as given (checked when the tool is run). */
  paramPairs: string[];
  /** `--tools-dir D`: the tools directory, instead of the one found. */
  toolsDir?: string;
}

/**
 * Parses `tool`'s arguments.
 *
 * @example
 * ```ts
 * parseToolOptions({ values: { param: ["name=x"] }, positionals: ["run", "registry"], rest: [] });
 * // { subcommand: "run", toolId: "registry", action: undefined, paramPairs: ["name=x"], toolsDir: undefined }
 * ```
 */
export function parseToolOptions(args: ParsedArgs): ToolOptions {
  return {
    subcommand: args.positionals[0],
    toolId: args.positionals[1],
    action: optString(args, "action"),
    paramPairs: optStrings(args, "param"),
    toolsDir: optString(args, "tools-dir"),
  };
}

/**
 * Runs `tool list` or `tool run`.
 *
 * @example
 * ```ts
 * await runTool(ctx, { subcommand: "run", toolId: "registry", action: "search", paramPairs: ["name=x"] });
 * ```
 */
export async function runTool(ctx: Context, opts: ToolOptions): Promise<number> {
  const sub = opts.subcommand;
  if (sub !== "list" && sub !== "run") {
    throw usageError(
      "Cannot run tool",
      sub ? `unknown subcommand "${sub}"` : "no subcommand given",
      "use: credkit tool list | credkit tool run <id>",
    );
  }
  const set = await loadTools(ctx, opts.toolsDir);
  return sub === "list" ? listTools(ctx, set) : await runOneTool(ctx, opts, set);
}

async function runOneTool(ctx: Context, opts: ToolOptions, set: ToolSet): Promise<number> {
  const id = opts.toolId;
  if (!id) {
    throw usageError(
      "Cannot run a tool",
      "no tool id given",
      "usage: credkit tool run <id> [--param k=v]…",
    );
  }
  const tool = set.tools.find((t) => t.manifest.id === id);
  if (!tool) {
    throw usageError(
      `Unknown tool "${id}"`,
      set.tools.length
        ? `known tools: ${set.tools.map((t) => t.manifest.id).join(", ")}`
        : "no tools are declared",
      "see credkit tool list",
    );
  }
  const raw = parseParamArgs(opts.paramPairs);
  if (opts.action !== undefined) raw.action = opts.action;
  const params = coerceParams(tool, raw);
  const executor = await executorFromContext(ctx, set.tools);
  const result = await executor.execute(id, params);
  printJson(ctx, result);
  if (!result.success && !ctx.globals.quiet) {
    ctx.io.err(`credkit: tool ${id} failed: ${result.error}\n`);
  }
  return toolExitCode(result);
}

/**
 * The `tool` command.
 *
 * @example
 * ```ts
 * const code = await toolCommand.run(ctx, { values: {}, positionals: ["list"], rest: [] });
 * ```
 */
export const toolCommand: Command & { subcommands: string[] } = {
  name: "tool",
  summary: "list and run authenticated HTTP tools declared in .credkit/tools/",
  subcommands: ["list", "run"],
  usage: `Usage:
  credkit tool list [--json] [--tools-dir D]
  credkit tool run <id> [--action A] [--param k=v]… [--tools-dir D]

Tools are JSON manifests under .credkit/tools/ (next to credkit.json, or found from
the current directory up; --tools-dir to choose). run prints the result as JSON:
{"success", "status", "data", "error", "headers", "metadata": {"auth_required", "tool",
"action", "scope", "durationMs"}}; every secret in it is masked.
Exit codes: 0 success, 1 failure, 2 bad parameters, 3 sign-in or credentials needed.

Example:
  credkit tool run registry --action search --param name=deploy`,
  options: {
    action: { type: "string" },
    param: { type: "string", multiple: true },
    "tools-dir": { type: "string" },
  },
  maxPositionals: 2,
  run: (ctx, args) => runTool(ctx, parseToolOptions(args)),
};
