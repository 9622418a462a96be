/**
 * credkit's entry point: the only place that builds real dependencies
 * (keychain, file store, clock, spawn, fetch, terminal io), then
 * argv → command → exit code.
 *
 * @module
 */
import { existsSync } from "node:fs";
import process from "node:process";
import { join, resolve } from "node:path";
import { runCli } from "./src/cli/cli.ts";
import { COMMANDS } from "./src/cli/commands.ts";
import type { Context } from "./src/cli/context.ts";
import { processIo } from "./src/cli/tty.ts";
import { BUILTIN_SERVICES } from "./src/catalog.ts";
import type { LoadedConfig } from "./src/config.ts";
import { findConfigFile } from "./src/config_find.ts";
import { defaultCredentialsFile, stateDir, userConfigFile } from "./src/paths.ts";
import { commandLineArgs, defaultSpawn, exitThroughEventLoop } from "./src/runtime.ts";
import { FileBackend } from "./src/store/file.ts";
import { KeychainBackend, probeKeychain } from "./src/store/keychain.ts";
import { createStores } from "./src/store/stores.ts";

/** The config: built-ins alone when there is no credkit.json (the schema library is then never loaded). */
async function loadProjectConfig(
  cwd: string,
  explicitPath: string | undefined,
  userPath: string,
): Promise<LoadedConfig> {
  if (!explicitPath && !findConfigFile(cwd) && !existsSync(userPath)) {
    return { baseDir: cwd, services: { ...BUILTIN_SERVICES }, servers: {}, backends: {} };
  }
  const { loadConfig } = await import("./src/config.ts");
  return loadConfig({ cwd, explicitPath, userPath });
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
      return {
        env,
        cwd,
        io,
        globals,
        clock: () => Date.now(),
        stores: createStores({
          chosen: globals.store,
          filePath,
          makeBackend: (name, namespace) =>
            name === "file"
              ? new FileBackend({ path: filePath, namespace })
              : new KeychainBackend({ namespace, env }),
          probeKeychain: () => probeKeychain({ env }),
          warn: globals.quiet ? undefined : (m) => io.err(m + "\n"),
          changesDir: join(state, "changes"),
        }),
        config: () => (config ??= loadProjectConfig(cwd, globals.config, userConfigFile(env))),
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
