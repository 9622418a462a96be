/**
 * `credkit mcp serve`: an MCP stdio gateway to the tool manifests.
 *
 * @module
 */
import process from "node:process";
import type { Readable, Writable } from "node:stream";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.d.ts"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Context } from "../cli/context.ts";
import { executorFromContext, loadTools } from "../executor/context_tools.ts";
import { createMcpGateway, trackPendingRequests } from "../executor/mcp_gateway.ts";

/** Options of {@link serveMcp}. */
export interface McpServeOptions {
  /**
   * `--tools-dir D`: the directory of tool manifests. Unset: `.credkit/tools`
   * next to credkit.json, else the first one found from the working directory up.
   *
   * @default {undefined}
   */
  toolsDir?: string;
  /**
   * Where the MCP client's messages come from.
   *
   * @default {process.stdin}
   */
  stdin?: Readable;
  /**
   * Where protocol messages go.
   *
   * @default {process.stdout}
   */
  stdout?: Writable;
}

/**
 * Serves every tool manifest as an MCP tool over stdio until stdin closes.
 * Only protocol messages are written to `stdout`; notes go to stderr.
 *
 * @example
 * ```ts
 * const code = await serveMcp(ctx, { toolsDir: ".credkit/tools" });
 * ```
 */
export async function serveMcp(ctx: Context, options: McpServeOptions = {}): Promise<number> {
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
  const pending = trackPendingRequests(transport);
  await closed;
  await pending.idle(); // answer the calls still running when stdin closed
  await server.close().catch(() => {});
  return 0;
}
