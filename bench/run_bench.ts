/**
 * Benchmarks against peers, measured in the same run and reported as ratios
 * (this machine is too noisy for absolute timings to mean much):
 *
 * 1. start-up: `credkit run --no-mask -- true` with 5 stored services versus
 *    `dotenvx run -f .env -- true` with the same variables;
 * 2. masking throughput: `cat FILE | credkit run -- cat | cat` in MB/s, the
 *    stream holding a stored secret every MB, next to `cat | cat | cat`.
 *
 * With `--before BIN`, the masking throughput of a second credkit binary (an
 * earlier build) is measured in the same run, interleaved with the others.
 *
 * Usage: deno run -A bench/run_bench.ts [--runs N] [--mb N] [--store file|keychain] [--before BIN]
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "50" },
    mb: { type: "string", default: "400" },
    store: { type: "string", default: "file" },
    before: { type: "string" },
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

/**
 * Mean ms of one run of `command` (a shell command line), timed over a loop
 * inside one shell, so the harness's own process start-up is not counted.
 */
function timeBatch(command: string, n: number): number {
  const script =
    `i=0; while [ $i -lt ${n} ]; do ${command} > /dev/null || exit 1; i=$((i+1)); done`;
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", script], {
    env: { ...env, CK: bin, DX: dotenvx, DOTENV_FILE: dotenvFile },
    stdio: "ignore",
  });
  if (r.status !== 0) throw new Error(`${command} failed`);
  return (performance.now() - t0) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const CREDKIT_RUN = '"$CK" run --no-mask -- true';
const DOTENVX_RUN = '"$DX" run -q -f "$DOTENV_FILE" -- true';
// Warm-up, then interleaved batches so both see the same machine load.
timeBatch(CREDKIT_RUN, 2);
timeBatch(DOTENVX_RUN, 2);
const batch = 10;
const ck: number[] = [];
const dx: number[] = [];
for (let i = 0; i < Math.max(1, Math.round(runs / batch)); i++) {
  ck.push(timeBatch(CREDKIT_RUN, batch));
  dx.push(timeBatch(DOTENVX_RUN, batch));
}
const ratio = median(dx) / median(ck);

/**
 * MB/s of `cat FILE | <cmd> | cat > /dev/null` for each command, best of 3
 * (the commands interleaved): what a user's pipeline sees, with the bench
 * process itself out of the data path.
 */
function throughputs(cmds: string[]): number[] {
  const best = cmds.map(() => Infinity);
  for (let i = 0; i < 3; i++) {
    for (const [k, cmd] of cmds.entries()) {
      const t0 = performance.now();
      const r = spawnSync("sh", ["-c", `cat "$BENCH_FILE" | ${cmd} | cat > /dev/null`], {
        env: { ...env, BENCH_FILE: bigFile, CREDKIT_BIN_PATH: bin, BEFORE_BIN_PATH: before },
        stdio: "inherit",
      });
      if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}`);
      best[k] = Math.min(best[k], performance.now() - t0);
    }
  }
  return best.map((ms) => megabytes / (ms / 1000));
}

// Text with a stored secret every ~1 MB, so masking really replaces something.
const bigFile = join(home, "stream.txt");
{
  const line = Buffer.from("x".repeat(1023) + "\n");
  const block = Buffer.concat([
    ...Array.from({ length: 1023 }, () => line),
    Buffer.from(`token=${stored.github.token}`.padEnd(1023, " ") + "\n"),
  ]);
  const fd = fs.openSync(bigFile, "w");
  for (let i = 0; i < megabytes; i++) fs.writeSync(fd, block);
  fs.closeSync(fd);
}
const before = values.before ?? "";
const [catPlain, catMasked, beforeMasked] = throughputs([
  "cat",
  `"$CREDKIT_BIN_PATH" run -- cat`,
  ...(before ? [`"$BEFORE_BIN_PATH" run -- cat`] : []),
]);
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
    ...(before ? { beforeRunCatMBps: Math.round(beforeMasked) } : {}),
  },
};
console.log(JSON.stringify(report, null, 2));
console.log(
  `credkit run --no-mask -- true is ${ratio.toFixed(1)}x faster than dotenvx run -- true ` +
    `(medians of ${ck.length} batches of ${batch}: ${median(ck).toFixed(1)} ms vs ${
      median(dx).toFixed(1)
    } ms); ` +
    `credkit run -- cat masks at ${Math.round(catMasked)} MB/s (plain cat ${
      Math.round(catPlain)
    } MB/s${before ? `, ${before}: ${Math.round(beforeMasked)} MB/s` : ""})`,
);
