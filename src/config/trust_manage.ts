/**
 * What `credkit trust` does: trust a project config (after the same checks
 * loading it would make), list the trusted ones and their state, revoke one.
 *
 * @module
 */
import * as fs from "node:fs";
import { join } from "node:path";
import { CredkitError, usageError } from "../errors.ts";
import { type Env, userConfigFile } from "../paths.ts";
import { findProjectConfig, homeDir, searchedDirs } from "./find.ts";
import { mergeLayers, readConfigFile } from "./layers.ts";
import {
  assertSafeOwnership,
  envTrustedPaths,
  manifestsBeside,
  projectDigest,
  readTrust,
  realConfigPath,
  revokeTrust,
  trustConfig,
  type TrustRecord,
} from "./trust.ts";

/**
 * The project of the working directory: credkit.json found from it upward
 * (stopping before `$HOME`), else the credkit.json path beside the first
 * `.credkit/tools/` found the same way.
 */
function findProject(cwd: string, env: Env): string | undefined {
  const found = findProjectConfig(cwd, env);
  if (found) return found;
  const dir = searchedDirs(cwd, homeDir(env)).find((d) =>
    fs.existsSync(join(d, ".credkit", "tools"))
  );
  return dir && join(dir, "credkit.json");
}

/** Where and when trust is managed. */
export interface TrustEnv {
  cwd: string;
  env: Env;
  stateDir: string;
  clock: () => number;
}

/**
 * Trusts `path` (a credkit.json or its directory; default: the one found from
 * the working directory up, stopping before `$HOME`). Refuses a file that
 * loading would refuse anyway: unsafe ownership, invalid, redefining a
 * built-in or user service.
 *
 * @example
 * ```ts
 * const record = await trustProject(undefined, { cwd, env, stateDir, clock: Date.now });
 * ```
 */
export async function trustProject(path: string | undefined, t: TrustEnv): Promise<TrustRecord> {
  const target = path === undefined ? findProject(t.cwd, t.env) : realConfigPath(path);
  if (!target) {
    throw usageError(
      "No credkit.json to trust",
      `none found from ${t.cwd} up to (not including) your home directory`,
      "name it: credkit trust PATH",
    );
  }
  const real = realConfigPath(target);
  const exists = fs.existsSync(real);
  if (!exists && manifestsBeside(real).length === 0) {
    throw usageError(`Cannot trust ${target}`, "no such file", "name a credkit.json");
  }
  if (exists) assertSafeOwnership(real, "config");
  for (const m of manifestsBeside(real)) assertSafeOwnership(m, "tool manifest");
  const userPath = userConfigFile(t.env);
  if (fs.existsSync(userPath) && realConfigPath(userPath) === real) {
    throw usageError(
      `Cannot trust ${real}`,
      "it is your user config, which is always trusted",
    );
  }
  const user = fs.existsSync(userPath) ? await readConfigFile(userPath) : undefined;
  mergeLayers({
    user,
    userPath: user && userPath,
    project: exists ? await readConfigFile(real) : { services: {}, servers: {}, backends: {} },
    path: real,
    cwd: t.cwd,
  });
  return trustConfig(real, t.stateDir, t.clock);
}

/** A trusted config and whether it still matches what was trusted. */
export interface TrustListing {
  path: string;
  sha256?: string;
  trustedAt?: string;
  /** `ok`: unchanged; `changed`: must be trusted again; `missing`: file gone; `env`: by CREDKIT_TRUSTED_CONFIG_PATHS. */
  status: "ok" | "changed" | "missing" | "env";
}

/**
 * The recorded trusted configs with their state, then the paths trusted by
 * `CREDKIT_TRUSTED_CONFIG_PATHS`.
 *
 * @example
 * ```ts
 * listTrusted({ cwd, env, stateDir, clock: Date.now }).map((l) => l.status);
 * ```
 */
export function listTrusted(t: TrustEnv): TrustListing[] {
  const recorded: TrustListing[] = [];
  for (const r of readTrust(t.stateDir)) {
    const gone = !fs.existsSync(r.path) && manifestsBeside(r.path).length === 0;
    const status = gone ? "missing" : projectDigest(r.path) === r.sha256 ? "ok" : "changed";
    recorded.push({ ...r, status });
  }
  return [...recorded, ...envTrustedPaths(t.env).map((path) => ({ path, status: "env" as const }))];
}

/**
 * Forgets a trusted config; a usage error when it was not trusted.
 *
 * @example
 * ```ts
 * revokeProject("./credkit.json", { cwd, env, stateDir, clock: Date.now }); // "/p/credkit.json"
 * ```
 */
export function revokeProject(path: string, t: TrustEnv): string {
  if (!revokeTrust(path, t.stateDir)) {
    throw new CredkitError(
      "usage",
      `Cannot revoke ${realConfigPath(path)}`,
      "it is not trusted",
      "see credkit trust --list",
    );
  }
  return realConfigPath(path);
}
