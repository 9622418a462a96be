/**
 * Finding the project credkit.json (from the working directory upward,
 * stopping before `$HOME`) and the ownership rule a found file must pass.
 * Kept apart from the schema so that a project without a config never loads
 * more than `node:fs`.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import process from "node:process";
import type { Env } from "../paths.ts";

/**
 * The home directory the search stops before: `$HOME`, else the account's home.
 *
 * @example
 * ```ts
 * homeDir({ HOME: "/home/u" }); // "/home/u"
 * ```
 */
export function homeDir(env: Env): string {
  return env.HOME || process.getBuiltinModule("node:os").homedir();
}

function real(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** True when `dir` is `home` or one of its ancestors (never searched). */
function isHomeOrAbove(dir: string, home: string): boolean {
  return dir === home || home.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * The directories searched for credkit.json from `cwd` upward: `cwd` and its
 * parents, stopping before `home`; neither `home` itself nor anything above
 * it is ever searched (so `/credkit.json` and `~/credkit.json` never are).
 *
 * @example
 * ```ts
 * searchedDirs("/home/u/p/src", "/home/u"); // ["/home/u/p/src", "/home/u/p"]
 * searchedDirs("/tmp/p", "/home/u"); // ["/tmp/p", "/tmp"]
 * ```
 */
export function searchedDirs(cwd: string, home: string): string[] {
  const top = real(home);
  const dirs: string[] = [];
  let dir = resolve(cwd);
  for (;;) {
    if (isHomeOrAbove(dir, top) || isHomeOrAbove(dir, resolve(home))) return dirs;
    dirs.push(dir);
    const parent = dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

/**
 * The project credkit.json found from `cwd` upward (stopping before `$HOME`),
 * or `undefined`.
 *
 * @example
 * ```ts
 * findProjectConfig("/work/project/src", { HOME: "/root" }); // "/work/project/credkit.json"
 * ```
 */
export function findProjectConfig(cwd: string, env: Env): string | undefined {
  for (const dir of searchedDirs(cwd, homeDir(env))) {
    const candidate = join(dir, "credkit.json");
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Why a file found by search may not be used, or `undefined` when it may:
 * it must be owned by the current user (or root) and not writable by group
 * or others. Always `undefined` where there are no Unix owners (Windows).
 *
 * @example
 * ```ts
 * unsafeOwnership("/tmp/p/credkit.json"); // "writable by group or others (mode 0666)"
 * ```
 */
export function unsafeOwnership(path: string): string | undefined {
  if (typeof process.getuid !== "function") return undefined;
  const st = fs.statSync(path);
  const uid = process.getuid();
  if (st.uid !== uid && st.uid !== 0) {
    return `owned by another user (uid ${st.uid}), not by you (uid ${uid}) or root`;
  }
  if (st.mode & 0o022) {
    return `writable by group or others (mode 0${(st.mode & 0o777).toString(8)})`;
  }
  return undefined;
}
