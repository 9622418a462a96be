/**
 * The configuration a command works with: the built-in services, the user
 * config (always loaded and trusted) and the project config (found from the
 * working directory upward, stopping before `$HOME`, or named with
 * `--config`), merged under the trust rules of DESIGN.md ("Configuration:
 * layers and trust"). The schema library is loaded only when a file fails the
 * fast check (to say precisely why).
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { BUILTIN_SERVICES, type ServiceDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";
import { describeFsError, describeJsonError } from "../fs_errors.ts";
import { type Env, userConfigFile } from "../paths.ts";
import { fastCheck } from "./check.ts";
import { assertServiceRefs } from "./service_refs.ts";
import { findProjectConfig, homeDir, searchedDirs } from "./find.ts";
import type { BackendDef, ConfigFile, ServerDef } from "./schema.ts";
import { assertSafeOwnership, manifestsBeside, trustConfig, trustStateOf } from "./trust.ts";

/** The catalog a command works with: built-ins merged with the user and project configs. */
export interface LoadedConfig {
  /** Path of the project credkit.json used, if any. */
  path?: string;
  /** Path of the user config, when it exists. */
  userPath?: string;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
  /** Built-in, user and project services, by name. */
  services: Record<string, ServiceDef>;
  /** Declared servers, by name. */
  servers: Record<string, ServerDef>;
  /** Declared backend tests, by name. */
  backends: Record<string, BackendDef>;
}

/** What {@link loadLayeredConfig} needs. */
export interface LayerOptions {
  /** Where the project config is searched from (upward). */
  cwd: string;
  /** The process environment (`HOME`, `CREDKIT_HOME`, `CREDKIT_TRUSTED_CONFIG_PATHS`, …). */
  env: Env;
  /** State directory, where trust is recorded. */
  stateDir: string;
  /** `--config PATH`: the project config the user named (trusted). */
  explicitPath?: string;
  /** Asks y/N on a terminal; absent with --no-input, CI or no TTY. */
  confirm?: (question: string) => Promise<boolean>;
  /** Milliseconds since the epoch. @default {Date.now} */
  clock?: () => number;
}

/**
 * Reads and validates one credkit.json: the fast check, else zod for the verdict.
 *
 * @example
 * ```ts
 * const file = await readConfigFile("/p/credkit.json");
 * ```
 */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new CredkitError("usage", `Cannot read config ${path}`, describeFsError(err));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Comments, trailing commas or a BOM (the user config is edited as JSONC
    // by `mcp import` and by hand): the JSONC parser, loaded only then.
    data = await parseJsoncConfig(text, path);
  }
  return fastCheck(data) ?? (await import("./schema.ts")).validateWithZod(data, path);
}

/** Comments, trailing commas, a BOM: parsed by the JSONC parser (loaded only then). */
async function parseJsoncConfig(text: string, path: string): Promise<unknown> {
  const { parse } = await import("jsonc-parser");
  const errors: import("jsonc-parser").ParseError[] = [];
  const data = parse(text.replace(/^\uFEFF/, ""), errors, { allowTrailingComma: true });
  if (errors.length === 0) return data;
  throw new CredkitError("usage", `Invalid config ${path}`, describeJsonError(text));
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

function absoluteCwd<T extends { cwd?: string }>(defs: Record<string, T>, dir: string) {
  return Object.fromEntries(
    Object.entries(defs).map((
      [k, d],
    ) => [k, d.cwd && !isAbsolute(d.cwd) ? { ...d, cwd: join(dir, d.cwd) } : d]),
  );
}

function refuseRedefinition(path: string, why: string): never {
  throw new CredkitError(
    "usage",
    `Refusing config ${path}`,
    why,
    "a project config may only add services, servers and backends: rename it there, or change it in your user config",
  );
}

/** Project services that would make credkit send tokens somewhere, and the manifests beside it. */
function senders(file: ConfigFile, path: string): { auth: string[]; manifests: string[] } {
  const auth = Object.entries(file.services).filter(([, s]) => s.auth).map(([n]) => n);
  return { auth, manifests: manifestsBeside(path) };
}

async function requireTrust(path: string, file: ConfigFile, options: LayerOptions): Promise<void> {
  const { auth, manifests } = senders(file, path);
  for (const m of manifests) assertSafeOwnership(m, "tool manifest");
  if (auth.length === 0 && manifests.length === 0) return;
  const state = trustStateOf(path, {
    env: options.env,
    stateDir: options.stateDir,
    manifests,
  });
  if (state === "env" || state === "recorded") return;
  const what = [
    auth.length ? `auth for ${auth.join(", ")} (credkit would send your tokens there)` : "",
    manifests.length ? `${manifests.length} tool manifest(s) in .credkit/tools/` : "",
  ].filter(Boolean).join(" and ");
  const why = state === "changed"
    ? `it changed since you trusted it; it declares ${what}`
    : `it declares ${what} and you have not trusted it`;
  if (options.confirm && await options.confirm(`${path}: ${why}. Trust it? [y/N] `)) {
    trustConfig(path, options.stateDir, options.clock ?? Date.now);
    return;
  }
  throw new CredkitError(
    "usage",
    `Untrusted config ${path}`,
    why,
    `review it and any .credkit/tools/ beside it, then run 'credkit trust ${path}'`,
  );
}

/**
 * Merges built-ins, the user config and the project config. The project may
 * add services, servers and backends, never redefine a built-in service or
 * anything of the user config.
 *
 * @example
 * ```ts
 * const cfg = mergeLayers({ user, userPath, project, path: "/p/credkit.json", cwd: "/p" });
 * ```
 */
export function mergeLayers(layers: {
  user?: ConfigFile;
  userPath?: string;
  project?: ConfigFile;
  path?: string;
  cwd: string;
}): LoadedConfig {
  const { user, userPath, project, path } = layers;
  const services: Record<string, ServiceDef> = { ...BUILTIN_SERVICES };
  const userDir = userPath ? dirname(userPath) : layers.cwd;
  let servers: Record<string, ServerDef> = absoluteCwd(user?.servers ?? {}, userDir);
  let backends: Record<string, BackendDef> = absoluteCwd(user?.backends ?? {}, userDir);
  for (const [name, svc] of Object.entries(user?.services ?? {})) {
    services[name] = { name, description: svc.description, fields: svc.fields, auth: svc.auth };
  }
  if (project && path) {
    for (const [name, svc] of Object.entries(project.services)) {
      if (name in BUILTIN_SERVICES) {
        refuseRedefinition(path, `it redefines the built-in service "${name}"`);
      }
      if (name in services) {
        refuseRedefinition(
          path,
          `it redefines the service "${name}" of your user config ${userPath}`,
        );
      }
      services[name] = { name, description: svc.description, fields: svc.fields, auth: svc.auth };
    }
    for (
      const [kind, mine, theirs] of [["server", servers, project.servers], [
        "backend",
        backends,
        project.backends,
      ]] as const
    ) {
      for (const name of Object.keys(theirs)) {
        if (name in mine) {
          refuseRedefinition(
            path,
            `it redefines the ${kind} "${name}" of your user config ${userPath}`,
          );
        }
      }
    }
    servers = { ...servers, ...project.servers };
    backends = { ...backends, ...project.backends };
  }
  const where = path ?? userPath ?? "credkit.json";
  assertServiceRefs(where, services, servers, backends);
  return {
    path,
    userPath,
    baseDir: path ? dirname(resolve(path)) : layers.cwd,
    services,
    servers,
    backends,
  };
}

/**
 * Loads the user config and the project config under the trust rules: a
 * found project config owned by someone else (or root) or writable by group
 * or others is refused; one that redefines a built-in or user service is
 * refused; one that would send credentials (`auth`, tool manifests) is used
 * only once trusted (`credkit trust`, `CREDKIT_TRUSTED_CONFIG_PATHS`, or a
 * yes on the terminal). `--config` is trusted. Exit 2 for each refusal.
 *
 * @example
 * ```ts
 * const cfg = await loadLayeredConfig({ cwd: Deno.cwd(), env, stateDir });
 * ```
 */
export async function loadLayeredConfig(options: LayerOptions): Promise<LoadedConfig> {
  const { cwd, env } = options;
  const userPath = userConfigFile(env);
  const user = fs.existsSync(userPath) ? await readConfigFile(userPath) : undefined;
  let path = options.explicitPath ? resolve(cwd, options.explicitPath) : undefined;
  const found = !path;
  if (found) path = findProjectConfig(cwd, env);
  // The user config found by search, or named with --config, is loaded once, as the user layer.
  if (path && user && sameFile(path, userPath)) path = undefined;
  if (!path) return mergeLayers({ user, userPath: user && userPath, cwd });
  if (found) assertSafeOwnership(path, "config");
  const project = await readConfigFile(path);
  const merged = mergeLayers({ user, userPath: user && userPath, project, path, cwd });
  if (found) await requireTrust(path, project, options);
  return merged;
}

/**
 * Whether tools found by search in `toolsDir` may be used: those beside the
 * project config were checked when it was loaded; others (a `.credkit/tools/`
 * with no credkit.json beside it) pass the same ownership and trust rules as a
 * project config, keyed by the credkit.json path of their directory. `false`
 * when the directory is `$HOME` or above (never picked up by search).
 *
 * @example
 * ```ts
 * await toolsDirUsable("/p/.credkit/tools", { configPath: cfg.path, cwd, env, stateDir });
 * ```
 */
export async function toolsDirUsable(
  toolsDir: string,
  options: LayerOptions & { configPath?: string },
): Promise<boolean> {
  const root = dirname(dirname(resolve(toolsDir)));
  if (options.configPath && sameDir(dirname(resolve(options.configPath)), root)) return true;
  if (!searchedDirs(options.cwd, homeDir(options.env)).some((d) => sameDir(d, root))) return false;
  const configPath = join(root, "credkit.json");
  await requireTrust(configPath, { services: {}, servers: {}, backends: {} }, options);
  return true;
}

function sameDir(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}
