/**
 * Where credkit keeps its files, from the environment it is given.
 *
 * @module
 */
import process from "node:process";
import { join } from "node:path";

/** Environment lookup used for paths (tests pass their own). */
export type Env = Record<string, string | undefined>;

function home(env: Env): string {
  // node:os is loaded only when HOME is not set.
  return env.HOME || process.getBuiltinModule("node:os").homedir();
}

/**
 * The default file store path: `$CREDKIT_HOME/credentials.json`, else
 * `$XDG_CONFIG_HOME/credkit/credentials.json`, else
 * `~/.config/credkit/credentials.json`.
 *
 * @example
 * ```ts
 * defaultCredentialsFile({ CREDKIT_HOME: "/tmp/ck" }); // "/tmp/ck/credentials.json"
 * ```
 */
export function defaultCredentialsFile(env: Env): string {
  if (env.CREDKIT_HOME) return join(env.CREDKIT_HOME, "credentials.json");
  const config = env.XDG_CONFIG_HOME || join(home(env), ".config");
  return join(config, "credkit", "credentials.json");
}

/**
 * The state directory (locks, server state, change notices):
 * `$CREDKIT_HOME/state`, else `$XDG_STATE_HOME/credkit`, else
 * `~/.local/state/credkit`.
 *
 * @example
 * ```ts
 * stateDir({ XDG_STATE_HOME: "/s" }); // "/s/credkit"
 * ```
 */
export function stateDir(env: Env): string {
  if (env.CREDKIT_HOME) return join(env.CREDKIT_HOME, "state");
  const state = env.XDG_STATE_HOME || join(home(env), ".local", "state");
  return join(state, "credkit");
}

/**
 * The user config, always loaded and trusted: `$CREDKIT_HOME/credkit.json`,
 * else `$XDG_CONFIG_HOME/credkit/credkit.json`, else
 * `~/.config/credkit/credkit.json`. `mcp import` declares the services it
 * creates here.
 *
 * @example
 * ```ts
 * userConfigFile({ CREDKIT_HOME: "/tmp/ck" }); // "/tmp/ck/credkit.json"
 * ```
 */
export function userConfigFile(env: Env): string {
  if (env.CREDKIT_HOME) return join(env.CREDKIT_HOME, "credkit.json");
  const config = env.XDG_CONFIG_HOME || join(home(env), ".config");
  return join(config, "credkit", "credkit.json");
}
