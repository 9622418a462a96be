/**
 * credkit's entry point: the only place that builds real dependencies
 * (keychain, file store, clock, spawn, fetch, terminal io), then
 * argv → command → exit code.
 *
 * @module
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { join, resolve } from "node:path";
import { runCli } from "./src/cli/cli.ts";
import { COMMANDS } from "./src/cli/commands.ts";
import type { Context } from "./src/cli/context.ts";
import { processIo } from "./src/cli/tty.ts";
import { type LoadedConfig, loadConfig } from "./src/config.ts";
import { defaultCredentialsFile, stateDir } from "./src/paths.ts";
import { commandLineArgs } from "./src/runtime.ts";
import { FileBackend } from "./src/store/file.ts";
import { KeychainBackend, probeKeychain } from "./src/store/keychain.ts";
import { createStores } from "./src/store/stores.ts";

async function main(): Promise<number> {
  const io = processIo();
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
        config: () => (config ??= Promise.resolve().then(() => loadConfig({ cwd, explicitPath: globals.config }))),
        fetch: globalThis.fetch,
        spawn,
        stateDir: state,
      };
    },
  });
}

const code = await main();
// Let stdout drain before leaving; a pending keychain handle must not keep us alive.
process.stdout.write("", () => process.exit(code));
