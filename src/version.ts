/**
 * credkit's version, and what the build recorded: the target platform and the
 * git commit (`scripts/build.ts` and `scripts/release.ts` define
 * `CREDKIT_BUILD_TARGET` and `CREDKIT_BUILD_COMMIT` when compiling).
 *
 * @module
 */
import process from "node:process";

declare const CREDKIT_BUILD_TARGET: string | undefined;
declare const CREDKIT_BUILD_COMMIT: string | undefined;

/** credkit's version, printed by `credkit --version`. */
export const VERSION = "0.1.0";

/**
 * The release target name for a platform and architecture, as in the release
 * file names (`credkit-<target>`).
 *
 * @example
 * ```ts
 * targetName("win32", "x64"); // "windows-x64"
 * ```
 */
export function targetName(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `${platform === "win32" ? "windows" : platform}-${arch}`;
}

/** The target the binary was built for; from source, the running platform. */
export const BUILD_TARGET: string = typeof CREDKIT_BUILD_TARGET === "string"
  ? CREDKIT_BUILD_TARGET
  : targetName();

/** The git commit the binary was built from; `source` when running from source. */
export const BUILD_COMMIT: string = typeof CREDKIT_BUILD_COMMIT === "string"
  ? CREDKIT_BUILD_COMMIT
  : "source";

/**
 * The line `credkit --version` prints (without the newline).
 *
 * @example
 * ```ts
 * versionLine(); // "credkit 0.1.0 (linux-x64, 1a2b3c4d5e6f)"
 * ```
 */
export function versionLine(): string {
  return `credkit ${VERSION} (${BUILD_TARGET}, ${BUILD_COMMIT})`;
}
