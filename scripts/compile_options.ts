/**
 * The one list of `bun build --compile` options used for `dist/credkit`
 * (`scripts/build.ts`, through the CLI) and for every release binary
 * (`scripts/release_compile.ts`, through `Bun.build`), and what a build
 * records in the binary (target, commit).
 *
 * @module
 */
import { spawnSync } from "node:child_process";

/** Options of a compiled credkit, in `Bun.build` terms. */
export interface CompileOptions {
  minify: boolean;
  bytecode: boolean;
  splitting: boolean;
  format: "esm";
  /** Autoload `.env*` from the working directory at run time. */
  autoloadDotenv: boolean;
  /** Autoload `bunfig.toml` from the working directory at run time. */
  autoloadBunfig: boolean;
}

/**
 * How credkit is compiled on every target: minified, precompiled bytecode,
 * each lazily loaded command in its own chunk (start-up reads only what the
 * command needs), and never a `.env*` or `bunfig.toml` read from the working
 * directory (a project's `.env` would override stored credentials and leak
 * into children; a `bunfig.toml` `preload` would run code inside credkit).
 *
 * @example
 * ```ts
 * if (!COMPILE_OPTIONS.autoloadDotenv) console.log("no .env autoload");
 * ```
 */
export const COMPILE_OPTIONS: Readonly<CompileOptions> = Object.freeze({
  minify: true,
  bytecode: true,
  splitting: true,
  format: "esm",
  autoloadDotenv: false,
  autoloadBunfig: false,
});

/**
 * The `bun build --compile` command-line flags for `options`.
 *
 * @example
 * ```ts
 * bunCliFlags(COMPILE_OPTIONS); // ["--minify", "--bytecode", "--splitting", ...]
 * ```
 */
export function bunCliFlags(options: Readonly<CompileOptions>): string[] {
  const flags: string[] = [];
  if (options.minify) flags.push("--minify");
  if (options.bytecode) flags.push("--bytecode");
  if (options.splitting) flags.push("--splitting");
  flags.push(`--format=${options.format}`);
  if (!options.autoloadDotenv) flags.push("--no-compile-autoload-dotenv");
  if (!options.autoloadBunfig) flags.push("--no-compile-autoload-bunfig");
  return flags;
}

/**
 * The constants a build records in the binary (read by `src/version.ts`).
 *
 * @example
 * ```ts
 * buildDefines("linux-arm64", "1a2b3c4d5e6f");
 * // { CREDKIT_BUILD_TARGET: '"linux-arm64"', CREDKIT_BUILD_COMMIT: '"1a2b3c4d5e6f"' }
 * ```
 */
export function buildDefines(target: string, commit: string): Record<string, string> {
  return {
    CREDKIT_BUILD_TARGET: JSON.stringify(target),
    CREDKIT_BUILD_COMMIT: JSON.stringify(commit),
  };
}

/**
 * `--define` flags for {@link buildDefines}.
 *
 * @example
 * ```ts
 * defineFlags(buildDefines("linux-x64", "abc")); // ["--define", 'CREDKIT_BUILD_TARGET="linux-x64"', ...]
 * ```
 */
export function defineFlags(defines: Record<string, string>): string[] {
  return Object.entries(defines).flatMap(([k, v]) => ["--define", `${k}=${v}`]);
}

/**
 * The commit of the checkout at `root` (12 hex digits, `-dirty` when tracked
 * files have uncommitted changes), or `unknown` outside git.
 *
 * @example
 * ```ts
 * gitCommit("."); // "1a2b3c4d5e6f"
 * ```
 */
export function gitCommit(root: string): string {
  const head = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], {
    cwd: root,
    encoding: "utf8",
  });
  if (head.status !== 0) return "unknown";
  const status = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: root,
    encoding: "utf8",
  });
  const dirty = status.status === 0 && status.stdout.trim() !== "";
  return head.stdout.trim() + (dirty ? "-dirty" : "");
}
