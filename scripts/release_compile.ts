/**
 * Compiles one release binary with `Bun.build` (run by `scripts/release.ts`
 * under Bun): the options of `dist/credkit` (scripts/compile_options.ts),
 * cross-compiled for `bunTarget`, with the target platform's
 * `@napi-rs/keyring-<platform>` addon resolved from `addonDir` (fetched for
 * the release; only the build machine's addon is installed in node_modules)
 * and every other platform's addon left out.
 *
 * `@napi-rs/keyring`'s loader picks its addon with `process.platform` and
 * `process.arch` tests, which Bun replaces with the target's values when
 * cross-compiling, so only the target's branch is kept; the plugin makes
 * that branch's `require("@napi-rs/keyring-<platform>")` embed the fetched
 * addon.
 *
 * Usage: bun --no-env-file --config=/dev/null scripts/release_compile.ts '<CompileJob JSON>'
 *
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { COMPILE_OPTIONS } from "./compile_options.ts";

/** One binary to compile. */
export interface CompileJob {
  /** Entry point (main.ts). */
  entry: string;
  /** Output file. */
  outfile: string;
  /** Bun's compile target, e.g. `bun-darwin-arm64`. */
  bunTarget: string;
  /** The addon package for the target, e.g. `@napi-rs/keyring-darwin-arm64`. */
  addonPackage: string;
  /** The unpacked addon package (holds package.json and the `.node` file). */
  addonDir: string;
  /** The `.node` file inside `addonDir`. */
  addonFile: string;
  /** Constants recorded in the binary (`--define`). */
  define: Record<string, string>;
}

const ADDON_SPECIFIER = /^(@napi-rs\/keyring-[a-z0-9-]+)(\/package\.json)?$/;

interface ResolveArgs {
  path: string;
}
interface PluginBuilder {
  onResolve(
    options: { filter: RegExp },
    callback: (args: ResolveArgs) => { path: string; external?: boolean } | undefined,
  ): void;
}

/**
 * The Bun plugin that resolves `@napi-rs/keyring-<platform>` (and its
 * package.json) to the fetched addon of `job`, and every other platform's
 * addon package to an external module (never embedded; its `require` fails
 * at run time inside the loader's try/catch).
 *
 * @example
 * ```ts
 * await Bun.build({ entrypoints: ["main.ts"], plugins: [addonPlugin(job)] });
 * ```
 */
export function addonPlugin(job: CompileJob): { name: string; setup(b: PluginBuilder): void } {
  return {
    name: "credkit-keyring-addon",
    setup(build) {
      build.onResolve({ filter: ADDON_SPECIFIER }, (args) => {
        const m = ADDON_SPECIFIER.exec(args.path);
        if (!m || m[1] !== job.addonPackage) return { path: args.path, external: true };
        return { path: join(job.addonDir, m[2] ? "package.json" : job.addonFile) };
      });
    },
  };
}

interface BuildResult {
  success: boolean;
  logs: unknown[];
}

/**
 * Compiles `job`; returns false (after printing Bun's messages) on failure.
 *
 * @example
 * ```ts
 * await compile(job);
 * ```
 */
export async function compile(job: CompileJob): Promise<boolean> {
  // deno-lint-ignore no-explicit-any
  const bun = (globalThis as any).Bun;
  if (!bun) throw new Error("release_compile.ts runs under Bun");
  const { autoloadDotenv, autoloadBunfig, ...bundle } = COMPILE_OPTIONS;
  const result: BuildResult = await bun.build({
    entrypoints: [job.entry],
    ...bundle,
    compile: { target: job.bunTarget, outfile: job.outfile, autoloadDotenv, autoloadBunfig },
    define: job.define,
    plugins: [addonPlugin(job)],
  });
  if (!result.success) {
    for (const log of result.logs) console.error(String(log));
  }
  return result.success;
}

if (import.meta.main) {
  const job = JSON.parse(process.argv[2] ?? "null") as CompileJob | null;
  if (!job) {
    console.error("usage: release_compile.ts '<CompileJob JSON>'");
    process.exit(2);
  }
  process.exit((await compile(job)) ? 0 : 1);
}
