/**
 * credkit's entry point: the only place that builds real dependencies
 * (keychain, file store, clock, spawn, fetch, terminal io), then
 * argv → command → exit code.
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import { join, resolve } from "node:path";
import { runCli } from "./src/cli/cli.ts";
import { COMMANDS } from "./src/cli/commands.ts";
import type { Context } from "./src/cli/context.ts";
import { processIo } from "./src/cli/tty.ts";
import { BUILTIN_SERVICES } from "./src/catalog.ts";
import type { LoadedConfig } from "./src/config/layers.ts";
import { findProjectConfig } from "./src/config/find.ts";
import { defaultCredentialsFile, type Env, stateDir, userConfigFile } from "./src/paths.ts";
import { commandLineArgs, defaultSpawn, exitThroughEventLoop } from "./src/runtime.ts";
import { probeKeychain } from "./src/store/keychain.ts";
import { BACKENDS, createBackend } from "./src/store/registry.ts";
import { createStores } from "./src/store/stores.ts";

/**
 * The config: built-ins alone when there is neither a user nor a project
 * credkit.json (then nothing more is loaded), else the layers under the trust
 * rules; a terminal may be asked to trust a project config.
 */
async function loadProjectConfig(
  options: { cwd: string; env: Env; stateDir: string; explicitPath?: string },
  ask: (question: string) => Promise<boolean>,
): Promise<LoadedConfig> {
  const { cwd, env, explicitPath } = options;
  if (!explicitPath && !fs.existsSync(userConfigFile(env)) && !findProjectConfig(cwd, env)) {
    return { baseDir: cwd, services: { ...BUILTIN_SERVICES }, servers: {}, backends: {} };
  }
  const { loadLayeredConfig } = await import("./src/config/layers.ts");
  return await loadLayeredConfig({ ...options, confirm: ask });
}

const io = processIo();

async function main(): Promise<number> {
  const env = { ...process.env } as Record<string, string | undefined>;
  const cwd = process.cwd();
  return await runCli(commandLineArgs(), {
    io,
    env,
    commands: COMMANDS,
    makeContext(globals): Context {
      const filePath = globals.file ? resolve(cwd, globals.file) : defaultCredentialsFile(env);
      const state = stateDir(env);
      let config: Promise<LoadedConfig> | undefined;
      const storeDeps = { env, filePath, interactive: () => !globals.noInput };
      return {
        env,
        cwd,
        io,
        globals,
        clock: () => Date.now(),
        stores: createStores({
          chosen: globals.store,
          filePath,
          makeBackend: (name, namespace) => createBackend(name, { ...storeDeps, namespace }),
          presentUnread: () =>
            BACKENDS.filter((b) => !b.readByDefault && b.isPresent?.(storeDeps)).map((b) => b.name),
          diagnose: async (chosen) =>
            (await Promise.all(
              BACKENDS.map((b) => b.diagnose?.({ ...storeDeps, chosen: chosen === b.name }) ?? []),
            )).flat(),
          probeKeychain: () => probeKeychain({ env }),
          warn: globals.quiet ? undefined : (m) => io.err(m + "\n"),
          changesDir: join(state, "changes"),
        }),
        config: () => (config ??= loadProjectConfig(
          { cwd, env, stateDir: state, explicitPath: globals.config },
          async (q) => !globals.noInput && /^y(es)?$/i.test((await io.prompt(q)).trim()),
        )),
        fetch: globalThis.fetch,
        spawn: defaultSpawn,
        stateDir: state,
      };
    },
  });
}

// No top-level await: the binary is compiled to bytecode, which needs none.
main().then(async (code) => {
  await io.stdoutFlushed();
  exitThroughEventLoop(code);
});
