/**
 * Finding credkit.json, kept apart from the schema so that a project without
 * one never loads the schema library.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * Finds credkit.json in `cwd` or a parent directory.
 *
 * @example
 * ```ts
 * findConfigFile("/work/project/src"); // "/work/project/credkit.json" or undefined
 * ```
 */
export function findConfigFile(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, "credkit.json");
    if (fs.existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
