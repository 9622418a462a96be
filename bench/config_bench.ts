/**
 * What a project credkit.json costs `credkit run --no-mask -- true` on the
 * compiled binary, as ratios against no config in the same run (interleaved
 * batches, medians): a project config without `auth` (validated, merged), and
 * one with an `auth` service, trusted by `credkit trust` (hashed, checked
 * against the record) or by `CREDKIT_TRUSTED_CONFIG_PATHS` (no hashing). Goal (#14): ≤ 1.25× no config. Wall-clock and
 * CPU time (user + system, from the shell's `times`) are both reported.
 *
 * Usage: deno run -A bench/config_bench.ts [--runs N] [--json]
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
  options: { runs: { type: "string", default: "400" }, json: { type: "boolean" } },
});
const bin = process.env.CREDKIT_BIN ?? join(root, "dist", "credkit");
if (!fs.existsSync(bin)) {
  console.error(`bench: ${bin} is missing; run npm run build first`);
  process.exit(1);
}
const base = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), "credkit-config-bench-")));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: join(base, "home"),
  CREDKIT_HOME: join(base, "ck"),
  CREDKIT_STORE: "file",
  CK: bin,
};
fs.mkdirSync(env.HOME);

const rand = () => crypto.randomUUID().replaceAll("-", "");
const stored: Record<string, string> = {
  huggingface: `token=hf_${rand()}\ntest_repo=me/test\n`,
  aws: `access_key_id=AKIA${rand().slice(0, 16).toUpperCase()}\nsecret_access_key=${rand()}\n`,
  s3: "test_bucket=bench-bucket\n",
  storacha: `token=${rand()}\n`,
  github: `token=ghp_${rand()}\n`,
};
for (const [service, input] of Object.entries(stored)) {
  const r = spawnSync(bin, ["add", service, "--stdin"], { env, input, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`credkit add ${service} failed: ${r.stderr}`);
}

/** A project directory (the command runs two levels below it) with an optional credkit.json. */
function project(name: string, config?: unknown): string {
  const cwd = join(base, name, "src", "lib");
  fs.mkdirSync(cwd, { recursive: true });
  if (config) fs.writeFileSync(join(base, name, "credkit.json"), JSON.stringify(config, null, 2));
  return cwd;
}
const example = JSON.parse(
  fs.readFileSync(join(root, "examples", "ipfs_kit", "credkit.json"), "utf8"),
);
const withAuth = {
  ...example,
  services: {
    myapi: {
      fields: {
        token: { env: ["MYAPI_TOKEN"], secret: true },
        url: { env: ["MYAPI_URL"], default: "https://api.example.com" },
      },
      auth: {
        type: "oauth2",
        tokenEndpoint: "https://auth.example.com/token",
        clientId: "credkit-cli",
        scopes: ["read"],
      },
    },
  },
};
const authDir = project("auth", withAuth);
/** Each case: the directory the command runs in, and variables added to its environment. */
const cases: Record<string, { cwd: string; env?: Record<string, string> }> = {
  "no config": { cwd: project("none") },
  "project credkit.json": { cwd: project("plain", example) },
  // With `auth`, run also asks the AuthStore for a token: compare these two
  // with each other to see what the trust check itself costs.
  "with auth, trusted by credkit trust": { cwd: authDir },
  "with auth, trusted by the environment": {
    cwd: authDir,
    env: { CREDKIT_TRUSTED_CONFIG_PATHS: join(base, "auth") },
  },
};
const trusted = spawnSync(bin, ["trust", join(base, "auth")], { env, encoding: "utf8" });
if (trusted.status !== 0) {
  // A credkit without `trust` (before the trust model) uses the file as is.
  console.error(`bench: credkit trust failed (${trusted.stderr.trim()}); measuring anyway`);
}

/**
 * Mean wall-clock and CPU (user + system) ms of one `credkit run --no-mask --
 * true` in `cwd`, over a loop inside one shell. CPU time is less disturbed by
 * other load on the machine than wall-clock time.
 */
function timeBatch(
  { cwd, env: extra }: { cwd: string; env?: Record<string, string> },
  n: number,
): { wall: number; cpu: number } {
  const script =
    `i=0; while [ $i -lt ${n} ]; do "$CK" run --no-mask -- true || exit 1; i=$((i+1)); done; times`;
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", script], { env: { ...env, ...extra }, cwd, encoding: "utf8" });
  const wall = (performance.now() - t0) / n;
  if (r.status !== 0) throw new Error(`run in ${cwd} failed: ${r.stderr}`);
  const [user, sys] = r.stdout.trim().split("\n").at(-1)!.split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60000 + Number(m[2]) * 1000 : NaN;
  });
  return { wall, cpu: (user + sys) / n };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const batch = 20; // CPU time from `times` ticks at 10 ms: 20 runs give 0.5 ms resolution
const names = Object.keys(cases);
const wall: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
const cpu: Record<string, number[]> = Object.fromEntries(names.map((k) => [k, []]));
for (const c of Object.values(cases)) timeBatch(c, 2); // warm-up
for (let i = 0; i < Math.max(1, Math.round(Number(values.runs) / batch)); i++) {
  for (const [name, c] of Object.entries(cases)) {
    const t = timeBatch(c, batch);
    wall[name].push(t.wall);
    cpu[name].push(t.cpu);
  }
}
fs.rmSync(base, { recursive: true, force: true });

const results = names.map((name) => ({
  case: name,
  wallMs: Number(median(wall[name]).toFixed(2)),
  wallRatio: Number((median(wall[name]) / median(wall["no config"])).toFixed(3)),
  cpuMs: Number(median(cpu[name]).toFixed(2)),
  cpuRatio: Number((median(cpu[name]) / median(cpu["no config"])).toFixed(3)),
}));
const batches = wall["no config"].length;
if (values.json) {
  console.log(JSON.stringify({ batches, batch, results }, null, 2));
} else {
  console.log(
    `credkit run --no-mask -- true, medians of ${batches} interleaved batches of ${batch}:`,
  );
  console.log(
    `  ${"".padEnd(40)} ${"wall".padStart(9)} ${"ratio".padStart(6)} ${"cpu".padStart(9)} ${
      "ratio".padStart(6)
    }`,
  );
  for (const r of results) {
    console.log(
      `  ${r.case.padEnd(40)} ${r.wallMs.toFixed(2).padStart(6)} ms ${
        r.wallRatio.toFixed(2).padStart(5)
      }x ${r.cpuMs.toFixed(2).padStart(6)} ms ${r.cpuRatio.toFixed(2).padStart(5)}x`,
    );
  }
}
