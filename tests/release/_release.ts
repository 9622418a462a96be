/**
 * Shared by the release tests (`npm run test:release`, which builds
 * `dist/release/` first): where the release is, and how to run the
 * linux-arm64 binary under `qemu-aarch64-static`.
 *
 * @module
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The release directory under test (`CREDKIT_RELEASE_DIR`, default dist/release). */
export const RELEASE_DIR: string = process.env.CREDKIT_RELEASE_DIR ??
  join(ROOT, "dist", "release");

/**
 * The path of release file `name`; throws (failing the test) when the
 * release has not been built.
 *
 * @example
 * ```ts
 * const bin = releaseFile("credkit-linux-arm64");
 * ```
 */
export function releaseFile(name: string): string {
  const path = join(RELEASE_DIR, name);
  if (!fs.existsSync(path)) {
    throw new Error(`${path} is missing: build the release first (npm run test:release does)`);
  }
  return path;
}

/** The arm64 glibc the cross packages install (libc6-arm64-cross). */
export const QEMU_LD_PREFIX = "/usr/aarch64-linux-gnu";

/**
 * Why the linux-arm64 binary cannot run here, or undefined when
 * `qemu-aarch64-static` and the arm64 C library are installed.
 *
 * @example
 * ```ts
 * Deno.test({ name: "x", ignore: qemuMissing() !== undefined, fn() {} });
 * ```
 */
export function qemuMissing(): string | undefined {
  const qemu = (process.env.PATH ?? "").split(":").some((d) =>
    d && fs.existsSync(join(d, "qemu-aarch64-static"))
  );
  if (!qemu) return "qemu-aarch64-static is not installed (Debian: qemu-user-static)";
  if (!fs.existsSync(join(QEMU_LD_PREFIX, "lib", "ld-linux-aarch64.so.1"))) {
    return `${QEMU_LD_PREFIX} has no arm64 C library (Debian: libc6-arm64-cross)`;
  }
  return undefined;
}

/** Exit code and output of a process. */
export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `argv` with `env` (undefined values removed from the inherited
 * environment), feeding `stdin`, and collects its output.
 *
 * @example
 * ```ts
 * const r = await runProcess(["sh", "-c", "echo hi"], {});
 * ```
 */
export function runProcess(
  argv: string[],
  env: Record<string, string | undefined>,
  options: { stdin?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<Ran> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) {
    if (v !== undefined) merged[k] = v;
  }
  return new Promise((done, fail) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: merged,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, out, err });
    });
    child.stdin.end(options.stdin ?? "");
  });
}

/**
 * Runs the release's linux-arm64 credkit under `qemu-aarch64-static`.
 *
 * @example
 * ```ts
 * const r = await arm64Credkit(["--version"], {});
 * ```
 */
export function arm64Credkit(
  args: string[],
  env: Record<string, string | undefined>,
  options: { stdin?: string; cwd?: string } = {},
): Promise<Ran> {
  return runProcess(
    ["qemu-aarch64-static", releaseFile("credkit-linux-arm64"), ...args],
    { ...env, QEMU_LD_PREFIX },
    options,
  );
}

/**
 * A fresh private directory (mode 0700) under TMPDIR.
 *
 * @example
 * ```ts
 * const dir = tempDir("install");
 * ```
 */
export function tempDir(label: string): string {
  const base = fs.realpathSync(process.env.TMPDIR ?? "/tmp");
  return fs.mkdtempSync(join(base, `credkit-release-${label}-`));
}
