/**
 * `credkit mcp connect` against `mcp-remote`, same run, same remote server
 * (tests/mcp/connect/fixtures/remote_mcp.mjs: oidc-provider with refresh token
 * rotation and reuse detection, 5-second access tokens, an MCP SDK server):
 *
 * 1. N clients started at once on an empty token store: authorizations
 *    (authorization_code grants) and client registrations on the server.
 * 2. After the access token expired, the N clients call a tool at once:
 *    refresh requests, refresh token reuse detected, grants revoked, failed calls.
 * 3. Per-call overhead: mean time of a tool call through each bridge against
 *    a direct SDK client (Streamable HTTP), as a ratio.
 *
 * Run: deno run -A bench/mcp_connect_bench.ts [--clients N] [--calls N]
 * (CREDKIT_BIN: the binary to measure, default dist/credkit).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/streamableHttp.d.ts"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  connectCommand,
  type LocalClient,
  privateEnv,
  type RemoteStats,
  startRemote,
} from "../tests/mcp/connect/_remote.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { clients: { type: "string", default: "4" }, calls: { type: "string", default: "100" } },
});
const N = Number(values.clients);
const CALLS = Number(values.calls);
const ROOT = resolve(import.meta.dirname ?? ".", "..");
const CREDKIT = Deno.env.get("CREDKIT_BIN") ?? join(ROOT, "dist", "credkit");
const MCP_REMOTE = join(ROOT, "node_modules", ".bin", "mcp-remote");

interface Bridge {
  name: string;
  command: string;
  args: (url: string, extra?: string[]) => string[];
}

const bridges: Bridge[] = [
  {
    name: "credkit mcp connect",
    command: CREDKIT,
    args: (url, extra = []) => ["mcp", "connect", url, ...extra],
  },
  {
    name: "mcp-remote",
    command: MCP_REMOTE,
    args: (url, extra = []) => [url, "--allow-http", "--transport", "http-only", ...extra],
  },
];

async function echo(c: Client, text: string): Promise<boolean> {
  try {
    const r = await c.callTool({ name: "echo", arguments: { text } }) as {
      content: { text: string }[];
      isError?: boolean;
    };
    return !r.isError && r.content[0]?.text === `echo: ${text}`;
  } catch {
    return false;
  }
}

interface ConcurrencyResult {
  started: number;
  authorizations: number;
  registrations: number;
  browserOpens: number;
  afterExpiry: RemoteStats;
  failedCalls: number;
  /** Calls that failed one second later (a revoked grant shows here). */
  failedLater: number;
}

async function concurrency(bridge: Bridge): Promise<ConcurrencyResult> {
  const remote = await startRemote({ accessTtl: 5 });
  const { env, home, browserLog } = await privateEnv({
    MCP_REMOTE_CONFIG_DIR: "",
  });
  env.MCP_REMOTE_CONFIG_DIR = join(home, "mcp-auth");
  const clients: LocalClient[] = [];
  try {
    const started = await Promise.allSettled(
      Array.from({ length: N }, () => connectCommand(bridge.command, bridge.args(remote.mcp), env)),
    );
    for (const s of started) if (s.status === "fulfilled") clients.push(s.value);
    await Promise.all(clients.map((c, i) => echo(c.client, `warm${i}`)));
    const signin = await remote.stats();
    const opens = (await Deno.readTextFile(browserLog).catch(() => "")).split("\n").filter(Boolean);
    await new Promise((r) => setTimeout(r, 6500)); // the 5-second access token expires
    await remote.reset();
    const ok = await Promise.all(clients.map((c, i) => echo(c.client, `after${i}`)));
    // Leave time for background refreshes to be counted.
    await new Promise((r) => setTimeout(r, 1000));
    const stats = await remote.stats();
    const again = await Promise.all(clients.map((c, i) => echo(c.client, `again${i}`)));
    return {
      started: clients.length,
      authorizations: signin.authorizations,
      registrations: signin.registrations,
      browserOpens: opens.length,
      afterExpiry: stats,
      failedLater: again.filter((x) => !x).length,
      failedCalls: ok.filter((x) => !x).length + (N - clients.length),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await remote.close();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

async function timeCalls(client: Client, calls: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await echo(client, `x${i}`);
  return (performance.now() - t0) / calls;
}

const ROUNDS = 5;

/** Mean ms per call of each client, best of ROUNDS interleaved rounds. */
async function overhead(): Promise<Record<string, number>> {
  const pat = ["pat", crypto.randomUUID()].join("-");
  const remote = await startRemote({ pat, accessTtl: 3600 });
  const { env, home } = await privateEnv({ GITHUB_TOKEN: pat });
  env.MCP_REMOTE_CONFIG_DIR = join(home, "mcp-auth");
  const clients: [string, Client, () => Promise<void>][] = [];
  try {
    const direct = new Client({ name: "direct", version: "1" });
    await direct.connect(
      new StreamableHTTPClientTransport(new URL(remote.pat), {
        requestInit: { headers: { authorization: `Bearer ${pat}` } },
      }),
    );
    clients.push(["direct SDK client", direct, () => direct.close()]);
    const header = ["--header", "Authorization: Bearer ${GITHUB_TOKEN}"];
    for (const bridge of bridges) {
      const c = await connectCommand(bridge.command, bridge.args(remote.pat, header), env);
      clients.push([bridge.name, c.client, c.close]);
    }
    for (const [, c] of clients) await timeCalls(c, 20); // warm-up
    const best: Record<string, number> = {};
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, c] of clients) {
        const ms = await timeCalls(c, CALLS);
        best[name] = Math.min(best[name] ?? Infinity, ms);
      }
    }
    return best;
  } finally {
    for (const [, , close] of clients) await close().catch(() => {});
    await remote.close();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

const rows: string[] = [];
rows.push(
  `| ${N} concurrent clients, 5 s tokens | authorizations | registrations | browser opens | refreshes after expiry | rotated token reused | grants revoked | failed calls (at expiry / 1 s later) |`,
  "|---|---|---|---|---|---|---|---|",
);
for (const bridge of bridges) {
  const r = await concurrency(bridge);
  rows.push(
    `| ${bridge.name} | ${r.authorizations} | ${r.registrations} | ${r.browserOpens} | ${r.afterExpiry.refreshRequests} | ${r.afterExpiry.reuseDetected} | ${r.afterExpiry.grantsRevoked} | ${r.failedCalls} / ${r.failedLater} |`,
  );
}
const ms = await overhead();
const base = ms["direct SDK client"];
rows.push(
  "",
  `| per tool call (best of ${ROUNDS} rounds of ${CALLS}) | ms | vs direct |`,
  "|---|---|---|",
);
for (const [name, v] of Object.entries(ms)) {
  rows.push(`| ${name} | ${v.toFixed(2)} | ${(v / base).toFixed(2)}x |`);
}
console.log(rows.join("\n"));
