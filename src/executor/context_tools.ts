/**
 * The tools of a command context: manifests found (and trusted) for its
 * working directory and config, and an executor wired to its stores,
 * AuthStore and fetch. Shared by `tool` and `mcp serve`.
 *
 * @module
 */
import { authStoreFromContext } from "../auth/context_store.ts";
import { resolveWith, servicesNamed } from "../cli/common.ts";
import type { Context } from "../cli/context.ts";
import { createExecutor, type Executor } from "./executor.ts";
import { findToolsDir, type LoadedTool, loadToolManifests } from "./manifest.ts";

/** The loaded tools and the directory they came from. */
export interface ToolSet {
  /** The tools directory, or `undefined` when none was found. */
  dir?: string;
  /** The tools loaded from it (none when no directory was found or it is not trusted). */
  tools: LoadedTool[];
}

/**
 * Loads the tool manifests of a context: `--tools-dir`, else `.credkit/tools`
 * next to credkit.json, else the first one found from the working directory up.
 *
 * @example
 * ```ts
 * const { dir, tools } = await loadTools(ctx, optString(args, "tools-dir"));
 * ```
 */
export async function loadTools(ctx: Context, explicitDir?: string): Promise<ToolSet> {
  const config = await ctx.config();
  const dir = findToolsDir({ cwd: ctx.cwd, configPath: config.path, explicit: explicitDir });
  if (!dir) return { tools: [] };
  if (!explicitDir) {
    const { toolsDirUsable } = await import("../config/layers.ts");
    const usable = await toolsDirUsable(dir, {
      configPath: config.path,
      cwd: ctx.cwd,
      env: ctx.env,
      stateDir: ctx.stateDir,
      clock: ctx.clock,
      confirm: async (q) =>
        !ctx.globals.noInput && /^y(es)?$/i.test((await ctx.io.prompt(q)).trim()),
    });
    if (!usable) return { tools: [] };
  }
  return {
    dir,
    tools: loadToolManifests(dir, config.services, { required: explicitDir !== undefined }),
  };
}

/**
 * An executor wired to a context: credential variables resolved from its
 * stores, tokens from its AuthStore, HTTP through its fetch.
 *
 * @example
 * ```ts
 * const executor = await executorFromContext(ctx, tools);
 * ```
 */
export async function executorFromContext(ctx: Context, tools: LoadedTool[]): Promise<Executor> {
  const config = await ctx.config();
  const timeout = Number(ctx.env.CREDKIT_TOOL_TIMEOUT_MS);
  return createExecutor({
    manifests: tools,
    resolveVariables: (names) =>
      resolveWith(
        { ...ctx, globals: { ...ctx.globals, quiet: true } },
        servicesNamed(config, names),
      ),
    authStore: authStoreFromContext(ctx),
    fetch: ctx.fetch,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  });
}
