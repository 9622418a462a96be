/**
 * The keychain path against the file-store path, measured in the same run as
 * ratios (interleaved batches, medians), on the compiled binary:
 *
 * 1. `run --no-mask -- true` with 5 services in the keychain (the default
 *    store) versus the same 5 services in the file store (`CREDKIT_STORE=file`);
 * 2. `get github.token` from the keychain versus from the file;
 * 3. `secret-tool search --all service S` (libsecret) for reference;
 * 4. peak RSS of `run --no-mask -- true` on the keychain path (`/usr/bin/time -v`).
 *
 * Needs a Secret Service with an unlocked keyring; run it in a private one:
 *
 *   dbus-run-session -- bash scripts/keychain_session.sh deno run -A bench/keychain_bench.ts [--runs N]
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { runs: { type: "string", default: "60" } } });
const runs = Number(values.runs);
const bin = process.env.CREDKIT_BIN ?? join(root, "dist", "credkit");
if (!fs.existsSync(bin)) {
  console.error(`keychain_bench: ${bin} is missing; run npm run build first`);
  process.exit(1);
}
const home = fs.mkdtempSync(join(tmpdir(), "credkit-kcbench-"));
const service = `credkit-bench-${process.pid}`;
const env: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) {
  if (v !== undefined && !/TOKEN|^AWS_|^W3_|^HF_|^CREDKIT_/.test(k)) env[k] = v;
}
Object.assign(env, { CREDKIT_HOME: home, CREDKIT_KEYCHAIN_SERVICE: service, CI: "true" });

function credkit(args: string[], input: string, store: string): void {
  const r = spawnSync(bin, args, { env: { ...env, CREDKIT_STORE: store }, input });
  if (r.status !== 0) throw new Error(`credkit ${args.join(" ")} failed: ${r.stderr}`);
}

const rand = () => crypto.randomUUID().replaceAll("-", "");
const stored: Record<string, Record<string, string>> = {
  huggingface: { token: `hf_${rand()}`, test_repo: "me/test" },
  aws: { access_key_id: `AKIA${rand().slice(0, 16)}`, secret_access_key: rand() + rand() },
  s3: { test_bucket: "bench-bucket" },
  storacha: { token: rand() },
  github: { token: `ghp_${rand()}` },
};
for (const store of ["keychain", "file"]) {
  for (const [name, fields] of Object.entries(stored)) {
    const lines = Object.entries(fields).map(([k, v]) => `${k}=${v}`).join("\n");
    credkit(["add", name, "--stdin"], lines + "\n", store);
  }
}

/** Mean ms of one run of `command`, timed over a loop inside one shell. */
function timeBatch(command: string, n: number): number {
  const script =
    `i=0; while [ $i -lt ${n} ]; do ${command} > /dev/null || exit 1; i=$((i+1)); done`;
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", script], { env: { ...env, CK: bin }, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`${command} failed`);
  return (performance.now() - t0) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cases: Record<string, string> = {
  runKeychain: '"$CK" run --no-mask -- true',
  runFile: 'CREDKIT_STORE=file "$CK" run --no-mask -- true',
  getKeychain: '"$CK" get github.token',
  getFile: 'CREDKIT_STORE=file "$CK" get github.token',
  secretTool: `secret-tool search --all service ${service} 2>/dev/null`,
};
const hasSecretTool = spawnSync("sh", ["-c", "command -v secret-tool"]).status === 0;
if (!hasSecretTool) delete cases.secretTool;
for (const command of Object.values(cases)) timeBatch(command, 2);
const batch = 5;
const samples: Record<string, number[]> = Object.fromEntries(
  Object.keys(cases).map((k) => [k, []]),
);
for (let i = 0; i < Math.max(1, Math.round(runs / batch)); i++) {
  for (const [name, command] of Object.entries(cases)) {
    samples[name].push(timeBatch(command, batch));
  }
}
const ms = Object.fromEntries(
  Object.entries(samples).map(([k, xs]) => [k, Number(median(xs).toFixed(1))]),
);

/** Peak RSS (KiB) of `args`, the largest of five runs' maximum resident set. */
function peakRssKiB(args: string[], extraEnv: Record<string, string> = {}): number | undefined {
  if (!fs.existsSync("/usr/bin/time")) return undefined;
  let peak = 0;
  for (let i = 0; i < 5; i++) {
    const r = spawnSync("/usr/bin/time", ["-v", bin, ...args], {
      env: { ...env, ...extraEnv },
      encoding: "utf8",
    });
    const kib = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
    if (kib > peak) peak = kib;
  }
  return peak;
}
const rssKeychain = peakRssKiB(["run", "--no-mask", "--", "true"]);
const rssFile = peakRssKiB(["run", "--no-mask", "--", "true"], { CREDKIT_STORE: "file" });

for (const name of Object.keys(stored)) credkit(["rm", name], "", "keychain");
fs.rmSync(home, { recursive: true, force: true });

const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
const report = {
  runs,
  medianMs: ms,
  ratios: {
    runKeychainOverFile: ratio(ms.runKeychain, ms.runFile),
    getKeychainOverFile: ratio(ms.getKeychain, ms.getFile),
  },
  peakRssMiB: {
    runKeychain: rssKeychain && Number((rssKeychain / 1024).toFixed(1)),
    runFile: rssFile && Number((rssFile / 1024).toFixed(1)),
  },
};
console.log(JSON.stringify(report, null, 2));
console.log(
  `keychain run --no-mask -- true: ${report.ratios.runKeychainOverFile}x the file store ` +
    `(${ms.runKeychain} vs ${ms.runFile} ms); get: ${report.ratios.getKeychainOverFile}x ` +
    `(${ms.getKeychain} vs ${ms.getFile} ms)` +
    (ms.secretTool ? `; secret-tool search: ${ms.secretTool} ms` : "") +
    `; peak RSS ${report.peakRssMiB.runKeychain} MiB (file store ${report.peakRssMiB.runFile} MiB)`,
);
