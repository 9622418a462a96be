/**
 * Benchmarks against peers, measured in the same run and reported as ratios
 * (this machine is too noisy for absolute timings to mean much):
 *
 * 1. start-up: `credkit run --no-mask -- true` with 5 stored services versus
 *    `dotenvx run -f .env -- true` with the same variables;
 * 2. masking throughput: `credkit run -- cat` of a large stream, in MB/s,
 *    next to plain `cat` through the same pipe.
 *
 * Usage: deno run -A bench/run_bench.ts [--runs N] [--mb N] [--store file|keychain]
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "30" },
    mb: { type: "string", default: "512" },
    store: { type: "string", default: "file" },
  },
});
const runs = Number(values.runs);
const megabytes = Number(values.mb);
const bin = process.env.CREDKIT_BIN ?? join(root, "dist", "credkit");
if (!fs.existsSync(bin)) {
  console.error(`bench: ${bin} is missing; run npm run build first`);
  process.exit(1);
}
const dotenvx = join(root, "node_modules", ".bin", "dotenvx");
const home = fs.mkdtempSync(join(tmpdir(), "credkit-bench-"));
const env: Record<string, string> = {
  ...process.env as Record<string, string>,
  CREDKIT_HOME: home,
  CREDKIT_STORE: values.store!,
  CREDKIT_KEYCHAIN_SERVICE: `credkit-bench-${process.pid}`,
};
for (const k of Object.keys(env)) {
  if (/TOKEN|AWS_|W3_|HF_/.test(k) && k !== "CREDKIT_STORE") delete env[k];
}

function credkit(args: string[], input: string): void {
  const r = spawnSync(bin, args, { env, input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`credkit ${args.join(" ")} failed: ${r.stderr}`);
}

const rand = () => crypto.randomUUID().replaceAll("-", "");
const stored: Record<string, Record<string, string>> = {
  huggingface: { token: `hf_${rand()}`, test_repo: "me/test" },
  aws: {
    access_key_id: `AKIA${rand().slice(0, 16).toUpperCase()}`,
    secret_access_key: rand() + rand(),
  },
  s3: { test_bucket: "bench-bucket" },
  storacha: { token: rand() },
  github: { token: `ghp_${rand()}` },
};
for (const [service, fields] of Object.entries(stored)) {
  credkit(
    ["add", service, "--stdin"],
    Object.entries(fields).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
  );
}
const dotenvFile = join(home, ".env");
const exported = spawnSync(bin, ["export", "--format", "dotenv"], { env, encoding: "utf8" });
fs.writeFileSync(dotenvFile, exported.stdout, { mode: 0o600 });

function timeOnce(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}`);
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// Warm-up, then interleave so both see the same machine load.
timeOnce(bin, ["run", "--no-mask", "--", "true"]);
timeOnce(dotenvx, ["run", "-q", "-f", dotenvFile, "--", "true"]);
const ck: number[] = [];
const dx: number[] = [];
for (let i = 0; i < runs; i++) {
  ck.push(timeOnce(bin, ["run", "--no-mask", "--", "true"]));
  dx.push(timeOnce(dotenvx, ["run", "-q", "-f", dotenvFile, "--", "true"]));
}
const ratio = median(dx) / median(ck);

async function throughput(cmd: string, args: string[]): Promise<number> {
  const chunk = Buffer.alloc(1 << 16);
  for (let i = 0; i < chunk.length; i++) chunk[i] = 32 + ((i * 7919) % 95);
  const total = megabytes * 1024 * 1024;
  const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "inherit"] });
  let received = 0;
  child.stdout.on("data", (d: Buffer) => (received += d.length));
  const done = new Promise((r) => child.on("close", r));
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once("drain", r));
  }
  child.stdin.end();
  await done;
  const seconds = (performance.now() - t0) / 1000;
  if (received !== total) throw new Error(`${cmd}: received ${received} of ${total} bytes`);
  return total / 1024 / 1024 / seconds;
}

const catPlain = await throughput("cat", []);
const catMasked = await throughput(bin, ["run", "--", "cat"]);
fs.rmSync(home, { recursive: true, force: true });

const report = {
  runs,
  store: values.store,
  startup: {
    credkitMedianMs: Number(median(ck).toFixed(1)),
    dotenvxMedianMs: Number(median(dx).toFixed(1)),
    speedup: Number(ratio.toFixed(1)),
  },
  masking: {
    megabytes,
    plainCatMBps: Math.round(catPlain),
    credkitRunCatMBps: Math.round(catMasked),
  },
};
console.log(JSON.stringify(report, null, 2));
console.log(
  `credkit run --no-mask -- true is ${ratio.toFixed(1)}x faster than dotenvx run -- true ` +
    `(medians ${median(ck).toFixed(1)} ms vs ${median(dx).toFixed(1)} ms, ${runs} runs each); ` +
    `credkit run -- cat masks at ${Math.round(catMasked)} MB/s (plain cat ${
      Math.round(catPlain)
    } MB/s)`,
);
