/**
 * Drives credkit as a separate process, the way users and CI do: the
 * compiled binary when `$CREDKIT_BIN` is set, else `deno run -A main.ts`.
 * Every run gets a private `CREDKIT_HOME` and the file store, so no keychain
 * is needed.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** The supervise test fixtures. */
export const FIXTURES: string = join(ROOT, "tests", "supervise", "fixtures");

/**
 * The argv prefix that starts credkit: `[$CREDKIT_BIN]`, or the Deno running
 * the tests with `run -A main.ts`.
 *
 * @example
 * ```ts
 * const [cmd, ...args] = credkitCommand();
 * spawnSync(cmd, [...args, "--version"]);
 * ```
 */
export function credkitCommand(): string[] {
  const bin = process.env.CREDKIT_BIN;
  if (bin) return [bin];
  return [process.execPath, "run", "-A", join(ROOT, "main.ts")];
}

/** Variables of the built-in catalog; never inherited by the tests' credkit. */
const CATALOG =
  /^(HUGGINGFACE_TOKEN|HF_TOKEN|HF_TEST_REPO|AWS_.*|S3_TEST_BUCKET|W3_TOKEN|SUPABASE_.*|GITHUB_TOKEN|GITHUB_PERSONAL_ACCESS_TOKEN|CI|CREDKIT_.*)$/;

/** A temporary project: a directory with `credkit.json` and a private CREDKIT_HOME. */
export interface Project {
  dir: string;
  home: string;
  /** The environment credkit runs with (file store, private home). */
  env: Record<string, string>;
  /** Writes `credkit.json`. */
  writeConfig(config: unknown): void;
  /** Removes the directory. */
  cleanup(): void;
}

/**
 * Creates a temporary project directory.
 *
 * @example
 * ```ts
 * const p = makeProject("server");
 * p.writeConfig({ servers: { web: { command: "node", args: ["server.mjs"] } } });
 * ```
 */
export function makeProject(label: string): Project {
  const dir = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), `credkit-${label}-`)));
  const home = join(dir, "home");
  fs.mkdirSync(home, { mode: 0o700 });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !CATALOG.test(k)) env[k] = v;
  }
  Object.assign(env, { CREDKIT_HOME: home, CREDKIT_STORE: "file", NO_COLOR: "1" });
  return {
    dir,
    home,
    env,
    writeConfig(config: unknown) {
      fs.writeFileSync(join(dir, "credkit.json"), JSON.stringify(config, null, 2));
      // Deno's writeFileSync leaves a rewritten file 0666, which credkit refuses.
      fs.chmodSync(join(dir, "credkit.json"), 0o644);
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Result of {@link credkit}. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the process exited (ms since the epoch). */
  endedAt: number;
}

/**
 * Runs `credkit <args>` in the project and waits for it.
 *
 * @example
 * ```ts
 * const r = await credkit(p, ["server", "status", "--json"]);
 * ```
 */
export function credkit(
  project: Project,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const [cmd, ...pre] = credkitCommand();
  const child = spawn(cmd, [...pre, ...args], {
    cwd: project.dir,
    env: { ...project.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin!.on("error", () => {});
  child.stdin!.end(options.stdin ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr, endedAt: Date.now() }));
  });
}

/**
 * Starts `credkit <args>` in the background; output is collected in `out`.
 *
 * @example
 * ```ts
 * const bg = startCredkit(p, ["server", "run", "web", "--watch"]);
 * await bg.waitFor(/is ready/);
 * ```
 */
export function startCredkit(
  project: Project,
  args: string[],
  options: { env?: Record<string, string> } = {},
): {
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  exited: Promise<number | null>;
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
} {
  const [cmd, ...pre] = credkitCommand();
  const child = spawn(cmd, [...pre, ...args], {
    cwd: project.dir,
    env: { ...project.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out.stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => resolve(code))
  );
  return {
    child,
    out,
    exited,
    async waitFor(re: RegExp, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (!re.test(out.stderr) && !re.test(out.stdout)) {
        if (Date.now() > until) {
          throw new Error(`timed out waiting for ${re}; stderr: ${out.stderr}`);
        }
        if (child.exitCode !== null) {
          throw new Error(`credkit exited (${child.exitCode}) before ${re}: ${out.stderr}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/**
 * A TCP port that was free a moment ago on 127.0.0.1.
 *
 * @example
 * ```ts
 * const port = freePort();
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * GETs a URL; `undefined` when nothing answers.
 *
 * @example
 * ```ts
 * await httpGet("http://127.0.0.1:8000/health"); // "ok"
 * ```
 */
export async function httpGet(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return await res.text();
  } catch {
    return undefined;
  }
}

/**
 * Processes whose command line contains `marker` (other than `ps` itself).
 *
 * @example
 * ```ts
 * processesWith(project.dir); // [] once everything was stopped
 * ```
 */
export function processesWith(marker: string): string[] {
  const r = spawnSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" });
  return r.stdout.split("\n").filter((l) => l.includes(marker) && !/^\s*\d+\s+Z/.test(l));
}

/**
 * Waits until no live process mentions `marker`, or throws listing them.
 *
 * @example
 * ```ts
 * await assertNoProcesses(project.dir);
 * ```
 */
export async function assertNoProcesses(marker: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const left = processesWith(marker);
    if (left.length === 0) return;
    if (Date.now() > until) throw new Error(`processes left behind:\n${left.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Whether a pid is alive (and not a zombie).
 *
 * @example
 * ```ts
 * pidAlive(1234);
 * ```
 */
export function pidAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\S+ \(.*\) [ZX]/.test(stat);
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}
