/**
 * Per-call cost of `credkit run --mcp` in front of an MCP stdio server, as a
 * ratio against the same server without credkit, measured in the same run.
 *
 * The server is `cat` (default): it answers each JSON-RPC line with the same
 * line at once, so the round trip is only pipes and whatever sits between
 * them; or, with `--server everything`, the reference MCP server
 * (`@modelcontextprotocol/server-everything` under `node`, its `echo` tool).
 * A client sends one `tools/call`, waits for its answer, and sends the next;
 * batches alternate between direct and through credkit, and the medians of
 * the batches are compared.
 *
 * With `--before BIN`, a second credkit binary (an earlier build) is
 * measured in the same batches, so before and after come from one run.
 * Besides the ratio of medians, the median of the per-batch ratios (each
 * relayed batch against the direct batch just before it) is reported: it
 * suffers less from load that changes during the run.
 *
 * Usage: `deno run -A bench/mcp_relay_bench.ts [--calls N] [--batches N] [--server cat|everything] [--before BIN]`
 * (needs `dist/credkit`, or `CREDKIT_BIN`).
 *
 * @module
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "500" },
    batches: { type: "string", default: "9" },
    server: { type: "string", default: "cat" },
    before: { type: "string" },
  },
});
const calls = Number(values.calls);
const batches = Number(values.batches);
const bin = process.env.CREDKIT_BIN ?? join(root, "dist", "credkit");
if (!fs.existsSync(bin)) {
  console.error(`bench: ${bin} is missing; run deno run -A scripts/build.ts first`);
  process.exit(1);
}
const home = fs.mkdtempSync(join(tmpdir(), "credkit-mcpbench-"));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  CREDKIT_HOME: home,
  CREDKIT_STORE: "file",
  // Five secrets to mask, as with a few services configured.
  GITHUB_TOKEN: `ghp_${crypto.randomUUID().replaceAll("-", "")}`,
  HF_TOKEN: `hf_${crypto.randomUUID().replaceAll("-", "")}`,
  W3_TOKEN: crypto.randomUUID(),
  AWS_ACCESS_KEY_ID: "AKIA" + crypto.randomUUID().slice(0, 16).toUpperCase(),
  AWS_SECRET_ACCESS_KEY: crypto.randomUUID() + crypto.randomUUID(),
};

const everything = values.server === "everything";
const server = everything
  ? ["node", join(root, "node_modules/@modelcontextprotocol/server-everything/dist/index.js")]
  : ["cat"];

function call(id: number): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "echo", arguments: { message: "a typical query string" } },
  }) + "\n";
}

/** Mean ms per round trip of `calls` sequential calls to a started server. */
async function batch(argv: string[]): Promise<number> {
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ["pipe", "pipe", "ignore"] });
  let buffered = "";
  let waitingFor = -1;
  let wake: (() => void) | undefined;
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      // `cat` echoes the request; a real server answers with the same id.
      if (line.includes(`"id":${waitingFor}`)) wake?.();
    }
  });
  const send = (text: string, id: number) =>
    new Promise<void>((r) => {
      waitingFor = id;
      wake = r;
      child.stdin!.write(text);
    });
  let id = 0;
  if (everything) {
    await send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: ++id,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "bench", version: "1" },
        },
      }) + "\n",
      id,
    );
    child.stdin!.write(
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) + "\n",
    );
  }
  for (let i = 0; i < 20; i++) await send(call(++id), id); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await send(call(++id), id);
  const ms = (performance.now() - t0) / calls;
  child.stdin!.end();
  child.kill();
  await new Promise((r) => child.once("exit", r));
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const binaries = values.before ? [bin, values.before] : [bin];
const direct: number[] = [];
const relayed: number[][] = binaries.map(() => []);
for (let i = 0; i < batches; i++) {
  direct.push(await batch(server));
  for (const [k, b] of binaries.entries()) {
    relayed[k].push(await batch([b, "run", "--mcp", "--", ...server]));
  }
}
fs.rmSync(home, { recursive: true, force: true });
const d = median(direct);
const results = binaries.map((b, k) => {
  const r = median(relayed[k]);
  return {
    binary: b,
    credkitMs: Number(r.toFixed(4)),
    ratio: Number((r / d).toFixed(2)),
    medianBatchRatio: Number(median(relayed[k].map((x, j) => x / direct[j])).toFixed(2)),
  };
});
console.log(JSON.stringify(
  { server: values.server, calls, batches, directMs: Number(d.toFixed(4)), results },
  null,
  2,
));
for (const r of results) {
  console.log(
    `one MCP call through ${r.binary === bin ? "credkit" : r.binary} run --mcp: ${
      (r.credkitMs * 1000).toFixed(0)
    } µs, direct ${(d * 1000).toFixed(0)} µs (${r.ratio.toFixed(2)}× medians, ${
      r.medianBatchRatio.toFixed(2)
    }× median batch ratio, ${batches} batches of ${calls})`,
  );
}
