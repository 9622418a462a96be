/**
 * The MCP gateway: every tool manifest becomes an MCP tool whose calls run
 * through the executor, so an agent uses authenticated tools without ever
 * seeing a token.
 *
 * @module
 */
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.d.ts"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { VERSION } from "../version.ts";

/** An MCP SDK transport, as far as the gateway needs one. */
export interface GatewayTransport {
  /** Starts receiving messages. */
  start(): Promise<void>;
  /** Sends one JSON-RPC message. */
  send(message: unknown): Promise<void>;
  /** Closes the transport. */
  close(): Promise<void>;
}

/** What {@link createMcpGateway} returns: the SDK's MCP server, as far as credkit uses it. */
export interface McpGateway {
  /** Serves the tools over `transport`. */
  connect(transport: GatewayTransport): Promise<void>;
  /** Stops serving. */
  close(): Promise<void>;
  /** The protocol layer; `onclose` fires when the transport closes. */
  server: { onclose?: () => void };
}
import type { Executor, ToolResult } from "./executor.ts";
import type { LoadedTool } from "./manifest.ts";
import type { ParamDef } from "./manifest_schema.ts";

function paramSchema(def: ParamDef): z.ZodType {
  let schema: z.ZodType;
  if (def.enum) {
    const values = def.enum;
    schema = values.every((v) => typeof v === "string")
      ? z.enum(values as [string, ...string[]])
      : z.literal(values as [string | number | boolean, ...(string | number | boolean)[]]);
  } else {
    switch (def.type) {
      case "number":
        schema = z.number();
        break;
      case "integer":
        schema = z.number().int();
        break;
      case "boolean":
        schema = z.boolean();
        break;
      case "array":
        schema = z.array(z.unknown());
        break;
      case "object":
        schema = z.record(z.string(), z.unknown());
        break;
      default:
        schema = z.string();
    }
  }
  if (def.description) schema = schema.describe(def.description);
  return def.required ? schema : schema.optional();
}

/**
 * The zod input schema of a tool: its parameters (with `action` restricted to
 * the keys of `scopes`); undeclared properties are refused.
 *
 * @example
 * ```ts
 * z.toJSONSchema(toolInputSchema(tool)).properties; // { action: { enum: ["search", "upload"] }, … }
 * ```
 */
function toolInputSchema(tool: LoadedTool): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, def] of Object.entries(tool.params)) shape[name] = paramSchema(def);
  return z.strictObject(shape);
}

/**
 * The text an MCP client shows for a result. A sign-in request names the
 * command the user has to run; nothing in it is a secret (results are masked
 * by the executor).
 *
 * @example
 * ```ts
 * resultText(result); // "Authentication required for supabase … run: credkit auth signin supabase"
 * ```
 */
export function resultText(result: ToolResult): string {
  if (result.metadata.auth_required) {
    const service = result.metadata.service ?? "the service";
    return `${result.error}\nThe user must sign in first: ask them to run \`credkit auth signin ${service}${
      result.metadata.scope ? ` --scope ${result.metadata.scope}` : ""
    }\` in a terminal, then call this tool again.`;
  }
  return JSON.stringify(result, null, 2);
}

/**
 * An MCP server exposing each tool; calls run through `executor`.
 *
 * @example
 * ```ts
 * const server = createMcpGateway({ tools, executor });
 * await server.connect(new StdioServerTransport());
 * ```
 */
export function createMcpGateway(
  options: { tools: LoadedTool[]; executor: Executor },
): McpGateway {
  const server = new McpServer(
    { name: "credkit", version: VERSION },
    {
      instructions:
        "Tools that call authenticated HTTP APIs. Credentials are added by credkit and never shown; when a tool answers that authentication is required, ask the user to run the credkit command it names.",
    },
  );
  for (const tool of options.tools) {
    const m = tool.manifest;
    server.registerTool(
      m.id,
      {
        description: m.description,
        inputSchema: toolInputSchema(tool),
        annotations: { title: m.id, openWorldHint: true },
      },
      async (args: Record<string, unknown>): Promise<CallToolResult> => {
        const result = await options.executor.execute(m.id, args ?? {});
        return {
          content: [{ type: "text", text: resultText(result) }],
          isError: !result.success,
        };
      },
    );
  }
  return server as McpGateway;
}

/** The part of an MCP transport that {@link trackPendingRequests} wraps. */
export interface TrackedTransport {
  /** Called by the transport with each message received (set by `server.connect`). */
  // deno-lint-ignore no-explicit-any
  onmessage?: (message: any, extra?: any) => void;
  /** Sends a message (an answer, a notification or a request). */
  // deno-lint-ignore no-explicit-any
  send(message: any, options?: any): Promise<void>;
}

/**
 * Counts the requests a connected server has received and not yet answered,
 * so that it can answer every one of them before it exits (a client may close
 * stdin right after its last call). Call it after `server.connect(transport)`.
 *
 * @example
 * ```ts
 * await server.connect(transport);
 * const pending = trackPendingRequests(transport);
 * await stdinClosed;
 * await pending.idle(); // every request received has been answered
 * await server.close();
 * ```
 */
export function trackPendingRequests(transport: TrackedTransport): { idle(): Promise<void> } {
  const open = new Set<unknown>();
  let wake: (() => void) | undefined;
  const inner = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if (message && "method" in message && "id" in message) open.add(message.id);
    inner?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    try {
      await send(message, options);
    } finally {
      if (message && !("method" in message) && "id" in message && open.delete(message.id)) {
        if (open.size === 0) wake?.();
      }
    }
  };
  return {
    idle: () => open.size === 0 ? Promise.resolve() : new Promise<void>((r) => (wake = r)),
  };
}
