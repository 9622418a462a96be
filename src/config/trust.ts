/**
 * Trust of project configs, as direnv's `allow` and mise's `trust`: a found
 * credkit.json that would make credkit send a credential somewhere (a service
 * with `auth`, tool manifests in `.credkit/tools/` beside it) is used only once
 * the user trusted it. Trust is recorded as the file's real path and the
 * SHA-256 of what it declares, in `<state>/trusted-configs.json`; any change
 * needs trusting again.
 *
 * What is hashed: credkit.json alone when there are no manifests (then the
 * digest is what `sha256sum credkit.json` prints); else credkit.json and every
 * `*.json` manifest of `.credkit/tools/`, each as its name, its length and its
 * bytes, in name order.
 *
 * @module
 */
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { concatBytes } from "../bytes.ts";
import { CredkitError } from "../errors.ts";
import { writeFileAtomic } from "../fs_write.ts";
import type { Env } from "../paths.ts";
import { unsafeOwnership } from "./find.ts";
import { sha256Hex } from "../runtime/sha256.ts";

/**
 * The tool manifests beside a config: `<dir>/.credkit/tools/*.json`, sorted.
 *
 * @example
 * ```ts
 * manifestsBeside("/p/credkit.json"); // ["/p/.credkit/tools/registry.json"]
 * ```
 */
export function manifestsBeside(configPath: string): string[] {
  const dir = join(dirname(configPath), ".credkit", "tools");
  try {
    return fs.readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith("."))
      .sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/**
 * The SHA-256 (hex) of a project: its credkit.json (when it exists) and the
 * tool manifests beside it.
 *
 * @example
 * ```ts
 * projectDigest("/p/credkit.json"); // "9f86d0…"
 * ```
 */
export function projectDigest(
  configPath: string,
  manifests: string[] = manifestsBeside(configPath),
): string {
  const config = fs.existsSync(configPath) ? fs.readFileSync(configPath) : new Uint8Array();
  let bytes: Uint8Array = config;
  if (manifests.length) {
    const encoder = new TextEncoder();
    const parts: Uint8Array[] = [];
    for (
      const [name, data] of [
        ["credkit.json", config] as const,
        ...manifests.map((m) => [`.credkit/tools/${basename(m)}`, fs.readFileSync(m)] as const),
      ]
    ) {
      parts.push(encoder.encode(`${name}\0${data.length}\0`), data);
    }
    bytes = concatBytes(parts);
  }
  return sha256Hex(bytes);
}

/** One trusted project config. */
export interface TrustRecord {
  /** Real path of the credkit.json. */
  path: string;
  /** SHA-256 (hex) of the file and the tool manifests beside it. */
  sha256: string;
  /** ISO time the user trusted it. */
  trustedAt: string;
}

/**
 * Where trust is recorded.
 *
 * @example
 * ```ts
 * trustFile("/home/u/.local/state/credkit"); // "/home/u/.local/state/credkit/trusted-configs.json"
 * ```
 */
export function trustFile(stateDir: string): string {
  return join(stateDir, "trusted-configs.json");
}

/**
 * The trusted configs recorded in `stateDir`.
 *
 * @example
 * ```ts
 * readTrust("/home/u/.local/state/credkit").map((r) => r.path);
 * ```
 */
export function readTrust(stateDir: string): TrustRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(trustFile(stateDir), "utf8");
  } catch {
    return [];
  }
  try {
    const data = JSON.parse(text) as { trusted?: unknown };
    return Array.isArray(data.trusted)
      ? data.trusted.filter((r): r is TrustRecord =>
        typeof r?.path === "string" && typeof r?.sha256 === "string"
      )
      : [];
  } catch {
    throw new CredkitError(
      "usage",
      `Cannot read ${trustFile(stateDir)}`,
      "not valid JSON",
      "remove it and trust your configs again",
    );
  }
}

function writeTrust(stateDir: string, records: TrustRecord[]): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(trustFile(stateDir), JSON.stringify({ trusted: records }, null, 2) + "\n", 0o600);
}

/**
 * The real path of a config path (a directory means its credkit.json).
 *
 * @example
 * ```ts
 * realConfigPath("/p"); // "/p/credkit.json" (symbolic links resolved)
 * ```
 */
export function realConfigPath(path: string): string {
  let p = resolve(path);
  try {
    if (fs.statSync(p).isDirectory()) p = join(p, "credkit.json");
  } catch { /* reported by the caller */ }
  try {
    return fs.realpathSync(p);
  } catch {
    try {
      return join(fs.realpathSync(dirname(p)), basename(p));
    } catch {
      return p;
    }
  }
}

/**
 * Records `configPath` as trusted with its current digest (replacing an older
 * record of the same file) and returns the record.
 *
 * @example
 * ```ts
 * trustConfig("/p/credkit.json", stateDir, () => Date.now()).sha256;
 * ```
 */
export function trustConfig(
  configPath: string,
  stateDir: string,
  clock: () => number,
): TrustRecord {
  const path = realConfigPath(configPath);
  const record = {
    path,
    sha256: projectDigest(path),
    trustedAt: new Date(clock()).toISOString(),
  };
  writeTrust(stateDir, [...readTrust(stateDir).filter((r) => r.path !== path), record]);
  return record;
}

/**
 * Forgets a trusted config; false when it was not trusted.
 *
 * @example
 * ```ts
 * revokeTrust("/p/credkit.json", stateDir); // true
 * ```
 */
export function revokeTrust(configPath: string, stateDir: string): boolean {
  const path = realConfigPath(configPath);
  const records = readTrust(stateDir);
  const kept = records.filter((r) => r.path !== path && r.path !== resolve(configPath));
  if (kept.length === records.length) return false;
  writeTrust(stateDir, kept);
  return true;
}

/**
 * The paths `CREDKIT_TRUSTED_CONFIG_PATHS` trusts (a directory means its credkit.json).
 *
 * @example
 * ```ts
 * envTrustedPaths({ CREDKIT_TRUSTED_CONFIG_PATHS: "/a:/b/credkit.json" }); // ["/a/credkit.json", "/b/credkit.json"]
 * ```
 */
export function envTrustedPaths(env: Env): string[] {
  return (env.CREDKIT_TRUSTED_CONFIG_PATHS ?? "").split(":").filter(Boolean).map(realConfigPath);
}

/** Whether and why a project config is trusted. */
export type TrustState = "env" | "recorded" | "changed" | "untrusted";

/**
 * The trust state of a config: trusted by `CREDKIT_TRUSTED_CONFIG_PATHS`, by
 * a record with the same digest, changed since it was trusted, or untrusted.
 *
 * @example
 * ```ts
 * trustStateOf("/p/credkit.json", { env: {}, stateDir }); // "untrusted"
 * ```
 */
export function trustStateOf(
  configPath: string,
  options: { env: Env; stateDir: string; manifests?: string[] },
): TrustState {
  const path = realConfigPath(configPath);
  if (envTrustedPaths(options.env).includes(path)) return "env";
  const record = readTrust(options.stateDir).find((r) => r.path === path);
  if (!record) return "untrusted";
  return record.sha256 === projectDigest(path, options.manifests) ? "recorded" : "changed";
}

/**
 * Refuses a found project file (config or manifest) that another user owns or
 * that group or others may write: exit 2, naming the file and the reason.
 *
 * @example
 * ```ts
 * assertSafeOwnership("/p/credkit.json", "config");
 * ```
 */
export function assertSafeOwnership(path: string, what: string): void {
  const reason = unsafeOwnership(path);
  if (reason) {
    throw new CredkitError(
      "usage",
      `Refusing ${what} ${path}`,
      reason,
      "if it is yours: chown it to you and chmod go-w it, or name it with --config",
    );
  }
}
