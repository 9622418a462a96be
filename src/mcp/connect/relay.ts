/**
 * Relays JSON-RPC between the local client (stdio) and the remote MCP server
 * (Streamable HTTP, else the older HTTP+SSE transport), in both directions:
 * requests, responses, notifications and server-to-client requests. Every
 * message written to the local client is masked first.
 *
 * @module
 */
import { Writable } from "node:stream";
import type { Readable } from "node:stream";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.d.ts"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.d.ts"
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/sse.d.ts"
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { McpRelay } from "../../mask/mcp_relay.ts";
import { CredkitError } from "../../errors.ts";

type Remote = StreamableHTTPClientTransport | SSEClientTransport;

/** Options of {@link relayMcp}. */
export interface RelayOptions {
  /** The remote MCP server URL. */
  url: URL;
  /** The authorizing fetch (see authFetch). */
  fetch: typeof globalThis.fetch;
  /** The local client's messages. */
  stdin: Readable;
  /** Where the local client reads messages (masked). */
  stdout: Writable;
  /** Values never to show the local client (read at every message). */
  secrets: () => string[];
  /** One-line notes for stderr (already masked by the caller). */
  note: (text: string) => void;
}

/** A writable that masks each line before it reaches `out`. */
function maskingWriter(out: Writable, secrets: () => string[]): Writable {
  let relay: McpRelay | undefined;
  let key = "";
  return new Writable({
    write(chunk: Uint8Array | string, _enc, done) {
      const list = secrets();
      const k = list.join("\u0000");
      if (!relay || k !== key) {
        relay = new McpRelay(list);
        key = k;
      }
      const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
      const masked = relay.push(bytes);
      if (masked.length === 0) return done();
      out.write(masked, (err) => done(err ?? null));
    },
  });
}

const isRequest = (
  m: JSONRPCMessage,
): m is JSONRPCMessage & { id: string | number; method: string } =>
  "method" in m && "id" in m && m.id !== undefined;

function errorText(err: unknown): string {
  if (err instanceof CredkitError) return err.message;
  return (err as Error)?.message ?? String(err);
}

/**
 * Runs the relay until the local client closes stdin (or the remote SSE
 * stream closes for good). Returns the exit code.
 *
 * @example
 * ```ts
 * await relayMcp({ url, fetch: authorizedFetch, stdin: process.stdin, stdout: process.stdout,
 *   secrets: () => [], note: (t) => process.stderr.write(t + "\n") });
 * ```
 */
export async function relayMcp(options: RelayOptions): Promise<number> {
  const local = new StdioServerTransport(
    options.stdin,
    maskingWriter(options.stdout, options.secrets),
  );
  let remote: Remote | undefined;
  let connecting: Promise<Remote> | undefined;
  let finished: (() => void) | undefined;
  const done = new Promise<void>((r) => (finished = r));
  let queue = Promise.resolve();

  const wire = (t: Remote) => {
    t.onmessage = (message: JSONRPCMessage) => {
      if ("result" in message && message.result && typeof message.result === "object") {
        const v = (message.result as Record<string, unknown>).protocolVersion;
        if (typeof v === "string" && t instanceof StreamableHTTPClientTransport) {
          t.setProtocolVersion(v);
        }
      }
      local.send(message).catch(() => finished?.());
    };
    t.onerror = (err: Error) => options.note(`remote: ${errorText(err)}`);
    return t;
  };

  const open = async (first: JSONRPCMessage): Promise<Remote> => {
    const streamable = wire(
      new StreamableHTTPClientTransport(options.url, { fetch: options.fetch }),
    );
    await streamable.start();
    try {
      await streamable.send(first);
      return streamable;
    } catch (err) {
      const code = err instanceof StreamableHTTPError ? err.code : undefined;
      if (code !== 404 && code !== 405 && code !== 400) throw err;
      await streamable.close().catch(() => {});
    }
    // The server predates Streamable HTTP: the HTTP+SSE transport (2024-11-05).
    const sse = wire(new SSEClientTransport(options.url, { fetch: options.fetch }));
    sse.onclose = () => finished?.();
    await sse.start();
    await sse.send(first);
    return sse;
  };

  const forward = async (message: JSONRPCMessage) => {
    try {
      if (remote) {
        await remote.send(message);
      } else if (connecting) {
        await (await connecting).send(message);
      } else {
        connecting = open(message);
        remote = await connecting;
      }
    } catch (err) {
      options.note(errorText(err));
      if (isRequest(message)) {
        await local.send({
          jsonrpc: "2.0",
          id: message.id,
          error: { code: -32000, message: `credkit: ${errorText(err)}` },
        });
      }
      if (!remote) connecting = undefined;
    }
  };

  local.onmessage = (message: JSONRPCMessage) => {
    // Keep the order of messages: a notification must not overtake its request.
    if (!remote) {
      queue = queue.then(() => forward(message));
    } else {
      forward(message);
    }
  };
  local.onerror = (err: Error) => options.note(`local: ${errorText(err)}`);
  options.stdin.once("end", () => finished?.());
  options.stdin.once("close", () => finished?.());
  await local.start();
  await done;
  await queue;
  if (remote instanceof StreamableHTTPClientTransport && remote.sessionId) {
    await Promise.race([
      remote.terminateSession().catch(() => {}),
      new Promise((r) => setTimeout(r, 2000).unref?.()),
    ]);
  }
  await remote?.close().catch(() => {});
  await local.close().catch(() => {});
  return 0;
}
