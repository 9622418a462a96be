/**
 * `npm run release`: writes `dist/release/` — one binary per platform
 * (`credkit-linux-x64`, `credkit-linux-arm64`, `credkit-darwin-x64`,
 * `credkit-darwin-arm64`, `credkit-windows-x64.exe`), `SHA256SUMS`
 * (`sha256sum -c` format) and `install.sh`.
 *
 * Each binary is cross-compiled by Bun (`--target=bun-<os>-<arch>`; Bun
 * fetches the target's runtime from the npm registry) with the options of
 * `dist/credkit`, and embeds its own platform's `@napi-rs/keyring` addon:
 * the addon packages other than the build machine's are fetched with
 * `npm pack @napi-rs/keyring-<platform>@<installed version>` into
 * `dist/.cache/` (package.json is not changed).
 *
 * Usage: deno run -A scripts/release.ts
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { VERSION } from "../src/version.ts";
import { buildDefines, gitCommit } from "./compile_options.ts";
import type { CompileJob } from "./release_compile.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const releaseDir = join(root, "dist", "release");
const cacheDir = join(root, "dist", ".cache");
const bin = (name: string) => {
  const local = join(root, "node_modules", ".bin", name);
  return fs.existsSync(local) ? local : name;
};

/** One release target. */
export interface ReleaseTarget {
  /** The name in `credkit --version` and the file name. */
  target: string;
  /** Bun's compile target. */
  bunTarget: string;
  /** The `@napi-rs/keyring` platform package. */
  addonPackage: string;
  /** The `.node` file in it. */
  addonFile: string;
  /** The release file name. */
  file: string;
}

/**
 * Every release target, in the order of SHA256SUMS.
 *
 * @example
 * ```ts
 * RELEASE_TARGETS.map((t) => t.file);
 * ```
 */
export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  ["linux-x64", "linux-x64-gnu"],
  ["linux-arm64", "linux-arm64-gnu"],
  ["darwin-x64", "darwin-x64"],
  ["darwin-arm64", "darwin-arm64"],
  ["windows-x64", "win32-x64-msvc"],
].map(([target, addon]) => ({
  target,
  // x64: Bun's baseline runtime (x86-64-v2, Nehalem 2008+), never one that
  // needs AVX2 and dies with "Illegal instruction" on older CPUs and on VMs
  // with a conservative CPU model (Bun 1.4.5's default x64 runtime is the
  // same file, earlier versions' was not); arm64 has one runtime.
  bunTarget: `bun-${target}${target.endsWith("-x64") ? "-baseline" : ""}`,
  addonPackage: `@napi-rs/keyring-${addon}`,
  addonFile: `keyring.${addon}.node`,
  file: `credkit-${target}${target.startsWith("windows") ? ".exe" : ""}`,
}));

function fail(why: string): never {
  console.error(`release: ${why}`);
  process.exit(1);
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path, "utf8"));
}

/**
 * The version of `@napi-rs/keyring` installed in node_modules: every release
 * binary embeds the addon of exactly this version.
 *
 * @example
 * ```ts
 * installedKeyringVersion(); // "2.1.2"
 * ```
 */
export function installedKeyringVersion(): string {
  return String(
    readJson(join(root, "node_modules", "@napi-rs", "keyring", "package.json")).version,
  );
}

/**
 * Where the addon package of `t` at `version` is already on disk: the
 * installed one when it is that version, else the copy fetched into
 * dist/.cache by an earlier release; undefined when neither exists.
 *
 * @example
 * ```ts
 * addonLocation(RELEASE_TARGETS[1], "2.1.2"); // ".../dist/.cache/@napi-rs__keyring-linux-arm64-gnu-2.1.2/package"
 * ```
 */
export function addonLocation(t: ReleaseTarget, version: string): string | undefined {
  const installed = join(root, "node_modules", t.addonPackage);
  if (
    fs.existsSync(join(installed, t.addonFile)) &&
    readJson(join(installed, "package.json")).version === version
  ) return installed;
  const unpacked = join(cacheDir, `${t.addonPackage.replace("/", "__")}-${version}`, "package");
  return fs.existsSync(join(unpacked, t.addonFile)) ? unpacked : undefined;
}

/**
 * The unpacked addon package of `t` at `version`: {@link addonLocation}, else
 * fetched once with `npm pack` into dist/.cache.
 */
function addonDir(t: ReleaseTarget, version: string): string {
  const found = addonLocation(t, version);
  if (found) return found;
  const dir = join(cacheDir, `${t.addonPackage.replace("/", "__")}-${version}`);
  const unpacked = join(dir, "package");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pack = spawnSync(
    "npm",
    ["pack", `${t.addonPackage}@${version}`, "--pack-destination", dir, "--json", "--silent"],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (pack.status !== 0) {
    fail(`cannot fetch ${t.addonPackage}@${version}: ${pack.stderr.trim().split("\n").at(-1)}`);
  }
  const tarballs = fs.readdirSync(dir).filter((f) => f.endsWith(".tgz"));
  if (tarballs.length !== 1) fail(`npm pack ${t.addonPackage}@${version} wrote no tarball`);
  const tgz = join(dir, tarballs[0]);
  const untar = spawnSync("tar", ["-xzf", tgz, "-C", dir], { encoding: "utf8" });
  if (untar.status !== 0) fail(`cannot unpack ${tgz}: ${untar.stderr.trim()}`);
  fs.rmSync(tgz);
  if (!fs.existsSync(join(unpacked, t.addonFile))) {
    fail(`${t.addonPackage}@${version} has no ${t.addonFile}`);
  }
  const got = readJson(join(unpacked, "package.json")).version;
  if (got !== version) fail(`${t.addonPackage}: expected ${version}, npm gave ${got}`);
  return unpacked;
}

function sha256(path: string): string {
  return createHash("sha256").update(fs.readFileSync(path)).digest("hex");
}

function main(): void {
  const pkgVersion = readJson(join(root, "package.json")).version;
  if (pkgVersion !== VERSION) {
    fail(`package.json says ${pkgVersion} but src/version.ts says ${VERSION}; make them agree`);
  }
  const keyringVersion = installedKeyringVersion();
  const commit = gitCommit(root);
  if (commit.endsWith("-dirty")) {
    console.error(`release: warning: uncommitted changes; the binaries say ${commit}`);
  }
  fs.rmSync(releaseDir, { recursive: true, force: true });
  fs.mkdirSync(releaseDir, { recursive: true });
  const started = Date.now();
  for (const t of RELEASE_TARGETS) {
    const dir = addonDir(t, keyringVersion);
    const job: CompileJob = {
      entry: join(root, "main.ts"),
      outfile: join(releaseDir, t.file),
      bunTarget: t.bunTarget,
      addonPackage: t.addonPackage,
      addonDir: dir,
      addonFile: t.addonFile,
      define: buildDefines(t.target, commit),
    };
    const t0 = Date.now();
    const r = spawnSync(bin("bun"), [
      "--no-env-file",
      "--config=/dev/null",
      join(root, "scripts", "release_compile.ts"),
      JSON.stringify(job),
    ], { cwd: root, stdio: ["ignore", "inherit", "inherit"], timeout: 600_000 });
    if (r.status !== 0 || !fs.existsSync(job.outfile)) {
      fail(`bun build --compile for ${t.bunTarget} failed (exit ${r.status ?? r.signal})`);
    }
    fs.chmodSync(job.outfile, 0o755);
    const mb = (fs.statSync(job.outfile).size / 1e6).toFixed(1);
    console.error(`release: ${t.file} (${mb} MB, ${dir}) in ${Date.now() - t0} ms`);
  }
  const installer = join(releaseDir, "install.sh");
  fs.copyFileSync(join(root, "scripts", "install.sh"), installer);
  fs.chmodSync(installer, 0o755);
  const files = [...RELEASE_TARGETS.map((t) => t.file), "install.sh"];
  const sums = files.map((f) => `${sha256(join(releaseDir, f))}  ${f}\n`).join("");
  fs.writeFileSync(join(releaseDir, "SHA256SUMS"), sums);
  console.error(
    `release: credkit ${VERSION} (${commit}) for ${RELEASE_TARGETS.length} targets in ` +
      `dist/release/ in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

if (import.meta.main) main();
