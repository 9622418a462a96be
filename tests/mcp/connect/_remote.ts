/**
 * Starts the protected remote MCP server (fixtures/remote_mcp.mjs) under
 * node, and runs local MCP clients over stdio through `credkit mcp connect`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.d.ts"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
import { type JSONRPCMessage, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/transport.d.ts"
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

/** Counters kept by the remote fixture. */
export interface RemoteStats {
  registrations: number;
  authorizations: number;
  codeExchanges: number;
  refreshRequests: number;
  refreshSucceeded: number;
  refreshFailed: number;
  reuseDetected: number;
  grantsRevoked: number;
  mcpRequests: number;
  unauthorized: number;
  insufficientScope: number;
  toolCalls: number;
  patRequests: number;
}

/** A running remote fixture. */
export interface Remote {
  as: string;
  mcp: string;
  pat: string;
  legacy: string;
  stats(): Promise<RemoteStats>;
  reset(): Promise<void>;
  /** Answers the next refresh request with `invalid_grant`. */
  rejectNextRefresh(): Promise<void>;
  close(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL("./fixtures/remote_mcp.mjs", import.meta.url));
/** The stand-in browser script (`$BROWSER`). */
export const BROWSER = fileURLToPath(new URL("./fixtures/browser.mjs", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Starts the fixture.
 *
 * @example
 * ```ts
 * const remote = await startRemote({ accessTtl: 5 });
 * ```
 */
export async function startRemote(
  options: { accessTtl?: number; pat?: string } = {},
): Promise<Remote> {
  const child = new Deno.Command("node", {
    args: [FIXTURE],
    cwd: ROOT,
    env: { REMOTE_ACCESS_TTL: String(options.accessTtl ?? 5), REMOTE_PAT: options.pat ?? "" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!buffer.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("remote fixture exited before printing its URLs");
    buffer += value;
  }
  const urls = JSON.parse(buffer.split("\n")[0]);
  const drain = (async () => {
    try {
      while (!(await reader.read()).done) { /* discard */ }
    } catch { /* closed */ }
  })();
  return {
    ...urls,
    stats: async () => await (await fetch(`${urls.as}/_test/stats`)).json(),
    reset: async () => {
      await (await fetch(`${urls.as}/_test/reset`, { method: "POST" })).body?.cancel();
    },
    rejectNextRefresh: async () => {
      await (await fetch(`${urls.as}/_test/reject-refresh`, { method: "POST" })).body?.cancel();
    },
    async close() {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await drain;
    },
  };
}

/** A transport that records every message the client receives. */
class Recording implements Transport {
  onmessage?: (m: JSONRPCMessage) => void;
  onerror?: (e: Error) => void;
  onclose?: () => void;
  constructor(readonly inner: StdioClientTransport, readonly received: string[]) {}
  start(): Promise<void> {
    this.inner.onmessage = (m) => {
      this.received.push(JSON.stringify(m));
      this.onmessage?.(m);
    };
    this.inner.onerror = (e) => this.onerror?.(e);
    this.inner.onclose = () => this.onclose?.();
    return this.inner.start();
  }
  send(m: JSONRPCMessage): Promise<void> {
    return this.inner.send(m);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A local MCP client running `credkit mcp connect`. */
export interface LocalClient {
  client: Client;
  /** Every message the client received, as JSON. */
  received: string[];
  /** What credkit wrote on stderr. */
  stderr(): string;
  close(): Promise<void>;
}

/** The command that runs credkit: the compiled binary when CREDKIT_BIN is set. */
export function credkitCommand(): { command: string; args: string[] } {
  const bin = Deno.env.get("CREDKIT_BIN");
  if (bin) return { command: bin, args: [] };
  return {
    command: join(ROOT, "node_modules", ".bin", "deno"),
    args: ["run", "-A", join(ROOT, "main.ts")],
  };
}

/**
 * Starts a local client (with the roots capability) connected through
 * `credkit mcp connect <args>`.
 *
 * @example
 * ```ts
 * const c = await connectClient(["mcp", "connect", remote.mcp], env);
 * await c.client.listTools();
 * ```
 */
export function connectClient(
  args: string[],
  env: Record<string, string>,
): Promise<LocalClient> {
  const { command, args: prefix } = credkitCommand();
  return connectCommand(command, [...prefix, ...args], env);
}

/**
 * Starts a local client (with the roots capability) over stdio to any
 * command (credkit, or a peer such as mcp-remote in the benchmark).
 *
 * @example
 * ```ts
 * const c = await connectCommand("node_modules/.bin/mcp-remote", [url], env);
 * ```
 */
export async function connectCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<LocalClient> {
  const inner = new StdioClientTransport({
    command,
    args,
    env,
    stderr: "pipe",
    cwd: env.HOME,
  });
  let err = "";
  inner.stderr?.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
  const received: string[] = [];
  const client = new Client({ name: "test-client", version: "1.0.0" }, {
    capabilities: { roots: { listChanged: false } },
  });
  client.setRequestHandler(ListRootsRequestSchema, () => ({
    roots: [{ uri: "file:///work/project", name: "project" }],
  }));
  await client.connect(new Recording(inner, received));
  return {
    client,
    received,
    stderr: () => err,
    close: () => client.close(),
  };
}

/**
 * A private environment for credkit: its own CREDKIT_HOME, the file store,
 * `$BROWSER` set to the stand-in browser logging to `browserLog`.
 *
 * @example
 * ```ts
 * const { env, home } = await privateEnv();
 * ```
 */
export async function privateEnv(
  extra: Record<string, string> = {},
): Promise<{ env: Record<string, string>; home: string; browserLog: string }> {
  const home = await Deno.makeTempDir({ prefix: "credkit-connect-" });
  const browserLog = join(home, "browser.log");
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    CREDKIT_HOME: join(home, "credkit"),
    CREDKIT_STORE: "file",
    BROWSER: BROWSER,
    BROWSER_LOG: browserLog,
    ...extra,
  };
  for (const k of ["DENO_DIR", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "TMPDIR"]) {
    const v = Deno.env.get(k);
    if (v !== undefined && !(k in env)) env[k] = v;
  }
  if (!env.DENO_DIR) env.DENO_DIR = join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");
  return { env, home, browserLog };
}
