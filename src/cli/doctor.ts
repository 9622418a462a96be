/**
 * `credkit doctor`: which stores are reachable, file permissions, keychain
 * backend, config validity, missing credentials. Never prints a value.
 *
 * @module
 */
import { CredkitError } from "../errors.ts";
import { missingVariables, resolveServices } from "../resolve.ts";
import { isCompiled, runtimeName } from "../runtime.ts";
import { filePermissionWarning, fileStoreInfo } from "../store/file.ts";
import { BUILD_COMMIT, BUILD_TARGET, VERSION, versionLine } from "../version.ts";
import { printJson } from "./common.ts";
import type { Command, Context } from "./context.ts";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** False: a failure only warns. */
  fatal?: boolean;
}

/**
 * The name users know a keychain backend by, from its id
 * (`keychainBackendName()`).
 *
 * @example
 * ```ts
 * keychainDisplayName("macos-keychain"); // "macOS Keychain"
 * ```
 */
export function keychainDisplayName(backend: string): string {
  switch (backend) {
    case "macos-keychain":
      return "macOS Keychain";
    case "windows-credential-manager":
      return "Windows Credential Manager";
    case "secret-service":
      return "Secret Service over D-Bus";
    default:
      return backend;
  }
}

/** Runs `doctor`; exit 1 when a store or the config is broken. */
export async function runDoctor(ctx: Context): Promise<number> {
  const checks: Check[] = [];
  const kc = await ctx.stores.keychainStatus();
  checks.push({
    name: "keychain",
    ok: kc.available,
    detail: kc.available
      ? `reachable (${keychainDisplayName(kc.backend)})`
      : `unavailable (${keychainDisplayName(kc.backend)}): ${kc.reason ?? "not reachable"}`,
  });
  const info = fileStoreInfo(ctx.stores.filePath);
  const warning = info.exists ? filePermissionWarning(ctx.stores.filePath) : undefined;
  let fileOk = true;
  let fileDetail = info.exists
    ? `${info.path} (mode ${info.mode?.toString(8).padStart(4, "0")})`
    : `${info.path} (not created yet)`;
  try {
    if (info.exists) await ctx.stores.backend("file").list();
  } catch (err) {
    fileOk = false;
    fileDetail = err instanceof CredkitError ? err.message : String(err);
  }
  if (warning) {
    fileOk = false;
    fileDetail += `; ${warning}`;
  }
  checks.push({ name: "file store", ok: fileOk, detail: fileDetail });
  const storeChecks = await ctx.stores.diagnose();
  checks.push(...storeChecks);
  const chosen = ctx.stores.chosen;
  checks.push({
    name: "write store",
    ok: chosen !== undefined || kc.available,
    detail: chosen
      ? `${chosen} (chosen)`
      : kc.available
      ? "keychain (default)"
      : "none: no keychain; use --store file or CREDKIT_STORE=file",
  });
  let missing: Record<string, string[]> = {};
  try {
    const config = await ctx.config();
    checks.push({
      name: "config",
      ok: true,
      detail: config.path ?? "none (built-in services only)",
    });
    const stores = [];
    if (kc.available) stores.push(ctx.stores.backend("keychain"));
    if (fileOk && info.exists) stores.push(ctx.stores.backend("file"));
    const chosen = ctx.stores.chosen;
    if (
      chosen && chosen !== "keychain" && chosen !== "file" &&
      storeChecks.every((c) => c.ok || c.fatal === false)
    ) stores.push(ctx.stores.backend(chosen));
    const resolved = await resolveServices(Object.values(config.services), {
      env: ctx.env,
      stores,
      onStoreError: () => {},
    });
    missing = Object.fromEntries(
      Object.entries(resolved).map(([s, r]) => [s, missingVariables({ [s]: r })]).filter(([, m]) =>
        m.length
      ),
    );
  } catch (err) {
    checks.push({
      name: "config",
      ok: false,
      detail: err instanceof CredkitError ? err.message : String(err),
    });
  }
  const broken = checks.filter((c) =>
    !c.ok && c.fatal !== false && c.name !== "keychain" && c.name !== "write store"
  );
  if (ctx.globals.json) {
    printJson(ctx, {
      version: VERSION,
      target: BUILD_TARGET,
      commit: BUILD_COMMIT,
      runtime: isCompiled ? "binary" : runtimeName,
      keychainBackend: kc.backend,
      checks,
      missing,
    });
  } else {
    ctx.io.out(`${versionLine()} ${isCompiled ? "binary" : `on ${runtimeName}`}\n`);
    for (const c of checks) {
      const mark = c.ok ? "ok  " : broken.includes(c) ? "FAIL" : "warn";
      ctx.io.out(`${mark}  ${c.name}: ${c.detail}\n`);
    }
    const lines = Object.entries(missing);
    ctx.io.out(lines.length ? "missing credentials:\n" : "no missing credentials\n");
    for (const [s, vars] of lines) ctx.io.out(`  ${s}: ${vars.join(" ")}\n`);
  }
  return broken.length ? 1 : 0;
}

/** The `doctor` command. */
export const doctorCommand: Command = {
  name: "doctor",
  summary: "check stores, permissions, keychain backend, config and missing credentials",
  usage: `Usage: credkit doctor [--json]

Exit code 1 when the file store or the config is broken, or the chosen store
cannot be used (an unreachable keychain alone is reported, not an error). A pass
store is reported too: directory, .gpg-id recipients, whether your key can
decrypt, its git remote and whether it is behind (git fetch, bounded by a timeout).

Example:
  credkit doctor`,
  options: {},
  maxPositionals: 0,
  run: (ctx) => runDoctor(ctx),
};
