/**
 * `credkit mcp import`: moves the secrets out of an MCP client configuration
 * (Claude Desktop `claude_desktop_config.json`, Claude Code / Cursor
 * `.mcp.json`, VS Code `.vscode/mcp.json`) into credkit's store, and rewrites
 * each server to start through `credkit run --mcp`.
 *
 * Design: the secret variables of a server `NAME` become the fields of one
 * service `mcp-NAME`, declared in a credkit.json (one field per variable,
 * `{"env": [VAR], "secret": true}`, no default), and their values are stored
 * under that service's entry in the writable store. The entry is rewritten to
 *
 * ```
 * credkit run --mcp --only mcp-NAME --config <credkit.json> --store <store> [--file F] -- CMD ARGS…
 * ```
 *
 * with the non-secret variables kept in its `env`. Because `mcp-NAME`
 * defines exactly the variables that were removed, with no defaults and no
 * aliases, the server starts with the same environment as before. A server
 * already written this way is left alone, so a rerun changes nothing.
 *
 * @module
 */
import * as fs from "node:fs";
import { homedir, platform } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import type { ServiceDef } from "../catalog.ts";
import { findConfigFile, loadConfig, parseConfig } from "../config.ts";
import { CredkitError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { writeFileAtomic } from "../fs_write.ts";
import { defaultCredentialsFile } from "../paths.ts";
import { isCompiled } from "../runtime.ts";
import type { SecretBackend } from "../store/backend.ts";
import { updateEntry } from "../store/backend.ts";
import { type BackendName, isBackendName } from "../store/registry.ts";
import { maskString } from "../supervise/mask.ts";

const SECRET_NAME = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL|(^|_)PAT(_|$)/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What happened (or would happen) to one server entry. */
export type ServerStatus = "wrapped" | "already-wrapped" | "no-secrets" | "not-stdio";

/** The plan for one server; `values` holds the secrets and is never printed. */
export interface ServerPlan {
  name: string;
  status: ServerStatus;
  /** The credkit service holding its secrets (when wrapped). */
  service?: string;
  /** Variables moved into the store. */
  moved: string[];
  /** Variables kept in the entry's `env`. */
  kept: string[];
  /** Things the user should look at (never containing a value). */
  warnings: string[];
  /** field → secret value, for the store. */
  values: Record<string, string>;
  /** field → variable, for credkit.json. */
  fields: Record<string, string>;
  /** Arguments that look like secrets (left in place; masked when shown). */
  argSecrets: string[];
}

/** Everything an import would change. */
export interface ImportPlan {
  servers: ServerPlan[];
  /** The client configuration after the rewrite. */
  config: Record<string, unknown>;
  /** True when at least one server is rewritten. */
  changed: boolean;
}

/** Where the rewritten entries find credkit and its secrets. */
export interface WrapTarget {
  /** The credkit command (absolute path of the binary, or `credkit`). */
  bin: string;
  /** Absolute path of the credkit.json declaring the `mcp-*` services. */
  credkitConfig: string;
  /** The store the secrets are written to. */
  store: BackendName;
  /** The file store path (used when `store` is `file`). */
  filePath: string;
}

/**
 * Whether an `env` variable holds a secret: a secret field's variable in the
 * catalog, or (for variables the catalog does not know) a name containing
 * TOKEN, SECRET, KEY, PASSWORD, CREDENTIAL or PAT. Empty values and
 * references such as `${input:token}` or `${env:NAME}` are not secrets.
 *
 * @example
 * ```ts
 * isSecretVariable("GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_x", BUILTIN_SERVICES); // true
 * isSecretVariable("SUPABASE_ANON_KEY", "eyJ…", BUILTIN_SERVICES); // false (a public field)
 * isSecretVariable("PATH", "/usr/bin", BUILTIN_SERVICES); // false
 * ```
 */
export function isSecretVariable(
  name: string,
  value: unknown,
  services: Record<string, ServiceDef>,
): boolean {
  if (typeof value !== "string" || value === "" || /^\$\{[^}]+\}$/.test(value)) return false;
  for (const svc of Object.values(services)) {
    for (const field of Object.values(svc.fields)) {
      if (field.env.includes(name)) return field.secret;
    }
  }
  return SECRET_NAME.test(name);
}

/**
 * The credkit service name for the secrets of MCP server `server`.
 *
 * @example
 * ```ts
 * serviceNameFor("GitHub Server"); // "mcp-github-server"
 * ```
 */
export function serviceNameFor(server: string): string {
  const slug = server.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/-+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "");
  return `mcp-${slug || "server"}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Whether a server entry already starts through `credkit run`.
 *
 * @example
 * ```ts
 * isWrapped({ command: "credkit", args: ["run", "--mcp", "--only", "mcp-x", "--", "npx", "x"] }); // true
 * ```
 */
export function isWrapped(entry: Record<string, unknown>, bin?: string): boolean {
  const command = typeof entry.command === "string" ? entry.command : "";
  const args = Array.isArray(entry.args) ? entry.args : [];
  const isCredkit = command === bin ||
    /^credkit(\.exe)?$/i.test(basename(command.replace(/\\/g, "/")));
  return isCredkit && args.includes("run") && args.includes("--");
}

const LOOKS_LIKE_TOKEN =
  /^(ghp_|gho_|ghs_|github_pat_|sk-|hf_|xox[abp]-|AKIA|eyJ)[A-Za-z0-9_.-]{8,}/;

/** Arguments that look like secrets: warnings (no values), and the values (for masking). */
function argSecrets(args: unknown[]): { warnings: string[]; values: string[] } {
  const warnings: string[] = [];
  const values: string[] = [];
  let valueOf = -1;
  args.forEach((a, i) => {
    if (typeof a !== "string" || i === valueOf) return;
    const flag = /^--?([A-Za-z0-9_-]+)(?:=(.*))?$/.exec(a);
    const next = args[i + 1];
    if (flag && SECRET_NAME.test(flag[1].replace(/-/g, "_"))) {
      const value = flag[2] ??
        (typeof next === "string" && !next.startsWith("-") ? next : undefined);
      if (value) {
        if (flag[2] === undefined) valueOf = i + 1;
        values.push(value);
        warnings.push(
          `argument ${i + 1} (${
            flag[1]
          }) may pass a secret on the command line; move it to env and import again`,
        );
      }
    } else if (LOOKS_LIKE_TOKEN.test(a)) {
      values.push(a);
      warnings.push(`argument ${i + 1} looks like a token; move it to env and import again`);
    }
  });
  return { warnings, values };
}

/** The key holding the servers: `mcpServers` (Claude, Cursor) or `servers` (VS Code). */
function serversKey(config: Record<string, unknown>): "mcpServers" | "servers" | undefined {
  if (isObject(config.mcpServers)) return "mcpServers";
  if (isObject(config.servers)) return "servers";
  return undefined;
}

/**
 * Computes the rewrite of a parsed client configuration: which variables of
 * which servers move to which `mcp-*` service, and the new configuration.
 * Pure: writes nothing.
 *
 * @example
 * ```ts
 * const plan = planImport(JSON.parse(text), BUILTIN_SERVICES, {
 *   bin: "credkit", credkitConfig: "/p/credkit.json", store: "keychain", filePath: "/h/credentials.json",
 * });
 * plan.servers[0].moved; // ["GITHUB_PERSONAL_ACCESS_TOKEN"]
 * ```
 */
export function planImport(
  config: Record<string, unknown>,
  services: Record<string, ServiceDef>,
  target: WrapTarget,
): ImportPlan {
  const key = serversKey(config);
  if (!key) {
    throw new CredkitError(
      "usage",
      "Cannot import the MCP configuration",
      'it has no "mcpServers" (or "servers") object',
    );
  }
  const entries = config[key] as Record<string, unknown>;
  const newEntries: Record<string, unknown> = {};
  const plans: ServerPlan[] = [];
  const taken = new Set<string>();
  for (const [name, raw] of Object.entries(entries)) {
    const plan: ServerPlan = {
      name,
      status: "no-secrets",
      moved: [],
      kept: [],
      warnings: [],
      values: {},
      fields: {},
      argSecrets: [],
    };
    plans.push(plan);
    newEntries[name] = raw;
    if (!isObject(raw)) continue;
    const env = isObject(raw.env) ? raw.env : {};
    plan.kept = Object.keys(env);
    if (typeof raw.command !== "string" || !raw.command) {
      plan.status = "not-stdio";
      if (Object.keys(isObject(raw.headers) ? raw.headers : {}).length) {
        plan.warnings.push(
          "a remote server: its headers may hold secrets that credkit cannot wrap",
        );
      }
      continue;
    }
    const args = Array.isArray(raw.args) ? raw.args : [];
    if (isWrapped(raw, target.bin)) {
      plan.status = "already-wrapped";
      const left = Object.entries(env).filter(([k, v]) => isSecretVariable(k, v, services)).map((
        [k],
      ) => k);
      if (left.length) {
        plan.warnings.push(`still has secret-looking variables in env: ${left.join(", ")}`);
      }
      continue;
    }
    const suspect = argSecrets(args);
    plan.warnings.push(...suspect.warnings);
    plan.argSecrets.push(...suspect.values);
    const moved = Object.entries(env).filter(([k, v]) => isSecretVariable(k, v, services));
    const movable = moved.filter(([k]) => ENV_NAME.test(k));
    for (const [k] of moved) {
      if (!ENV_NAME.test(k)) {
        plan.warnings.push(`variable "${k}" is not a valid name for credkit; left in env`);
      }
    }
    if (movable.length === 0) continue;
    let service = serviceNameFor(name);
    for (let i = 2; taken.has(service); i++) service = `${serviceNameFor(name)}-${i}`;
    taken.add(service);
    plan.status = "wrapped";
    plan.service = service;
    const kept: Record<string, unknown> = {};
    const movedNames = new Set(movable.map(([k]) => k));
    for (const [k, v] of Object.entries(env)) if (!movedNames.has(k)) kept[k] = v;
    const usedFields = new Set<string>();
    for (const [variable, value] of movable) {
      let field = variable.toLowerCase();
      for (let i = 2; usedFields.has(field); i++) field = `${variable.toLowerCase()}_${i}`;
      usedFields.add(field);
      plan.fields[field] = variable;
      plan.values[field] = value as string;
    }
    plan.moved = movable.map(([k]) => k);
    plan.kept = Object.keys(kept);
    const wrapperArgs = [
      "run",
      "--mcp",
      "--only",
      service,
      "--config",
      target.credkitConfig,
      "--store",
      target.store,
      ...(target.store === "file" ? ["--file", target.filePath] : []),
      "--",
      raw.command,
      ...args,
    ];
    // Same keys in the same order; command, args and env replaced.
    const rewritten: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      rewritten[k] = k === "command"
        ? target.bin
        : k === "args"
        ? wrapperArgs
        : k === "env"
        ? kept
        : v;
    }
    rewritten.command = target.bin;
    rewritten.args = wrapperArgs;
    rewritten.env = kept;
    newEntries[name] = rewritten;
  }
  return {
    servers: plans,
    config: { ...config, [key]: newEntries },
    changed: plans.some((p) => p.status === "wrapped"),
  };
}

/**
 * The client configuration file to import: `explicit`, else `.mcp.json` in
 * `cwd`, else Claude Desktop's configuration for this platform when it exists.
 *
 * @example
 * ```ts
 * defaultClientConfig({ cwd: "/work/project", env: {} }); // "/work/project/.mcp.json" when present
 * ```
 */
export function defaultClientConfig(
  options: { cwd: string; env: Record<string, string | undefined> },
): string | undefined {
  const project = join(options.cwd, ".mcp.json");
  if (fs.existsSync(project)) return project;
  const home = options.env.HOME || homedir();
  const desktop = platform() === "darwin"
    ? join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json")
    : platform() === "win32"
    ? join(
      options.env.APPDATA || join(home, "AppData", "Roaming"),
      "Claude",
      "claude_desktop_config.json",
    )
    : join(
      options.env.XDG_CONFIG_HOME || join(home, ".config"),
      "Claude",
      "claude_desktop_config.json",
    );
  return fs.existsSync(desktop) ? desktop : undefined;
}

/**
 * The credkit.json that declares the `mcp-*` services: `explicit` (global
 * `--config`), else one found from the client file's directory up, else a new
 * one in the project of a project-level client file (`.mcp.json`,
 * `.cursor/mcp.json`, `.vscode/mcp.json`), else credkit's own config
 * directory (beside the default credentials file).
 *
 * @example
 * ```ts
 * credkitConfigFor("/work/p/.mcp.json", { env: {} }); // "/work/p/credkit.json"
 * ```
 */
export function credkitConfigFor(
  clientFile: string,
  options: { env: Record<string, string | undefined>; explicit?: string },
): string {
  if (options.explicit) return resolve(options.explicit);
  const dir = dirname(resolve(clientFile));
  const found = findConfigFile(dir);
  if (found) return found;
  if (basename(clientFile) === ".mcp.json") return join(dir, "credkit.json");
  if ([".cursor", ".vscode"].includes(basename(dir)) && basename(clientFile) === "mcp.json") {
    return join(dirname(dir), "credkit.json");
  }
  return join(dirname(defaultCredentialsFile(options.env)), "credkit.json");
}

/**
 * The command written into rewritten entries: this binary when compiled
 * (GUI clients often start servers with a minimal PATH), else `credkit`.
 *
 * @example
 * ```ts
 * defaultBin(); // "/usr/local/bin/credkit" (compiled) or "credkit"
 * ```
 */
export function defaultBin(): string {
  return isCompiled ? process.execPath : "credkit";
}

function readJsonObject(
  path: string,
  what: string,
): { text: string; data: Record<string, unknown> } {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new CredkitError("usage", `Cannot read ${what} ${path}`, describeFsError(err));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The engine's message may quote the file, which holds secrets: not repeated.
    throw new CredkitError("usage", `Cannot read ${what} ${path}`, "not valid JSON");
  }
  if (!isObject(data)) {
    throw new CredkitError("usage", `Cannot read ${what} ${path}`, "not a JSON object");
  }
  return { text, data };
}

/**
 * Writes a 0600 backup of `bytes` beside `path`, created exclusively:
 * `<path>.credkit-backup`, or `.credkit-backup.1`, `.2`, … when one exists.
 * Returns the backup's path.
 *
 * @example
 * ```ts
 * writeBackup("/p/.mcp.json", original); // "/p/.mcp.json.credkit-backup"
 * ```
 */
export function writeBackup(path: string, bytes: string): string {
  for (let i = 0; i < 1000; i++) {
    const candidate = `${path}.credkit-backup${i ? `.${i}` : ""}`;
    let fd: number;
    try {
      fd = fs.openSync(candidate, "wx", 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw err;
    }
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return candidate;
  }
  throw new CredkitError("error", `Cannot back up ${path}`, "too many backups exist");
}

/** What {@link runImport} needs. */
export interface ImportOptions {
  /** The client configuration file. */
  file: string;
  /** credkit.json path (see {@link credkitConfigFor}). */
  credkitConfig: string;
  bin: string;
  dryRun: boolean;
  /** The store secrets go to (resolved lazily: a dry run works without one). */
  store: () => Promise<SecretBackend>;
  /** The file store path. */
  filePath: string;
  /** Store name for a dry run when no store is reachable. */
  fallbackStoreName?: BackendName;
}

/** What {@link runImport} did. */
export interface ImportReport {
  file: string;
  credkitConfig: string;
  store: string | null;
  backup: string | null;
  dryRun: boolean;
  changed: boolean;
  servers: Omit<ServerPlan, "values" | "fields" | "argSecrets">[];
  /** The new configuration, secrets masked (dry run only). */
  config?: unknown;
}

/**
 * Imports the secrets of an MCP client configuration: stores them, declares
 * their `mcp-*` services in credkit.json, keeps a 0600 backup of the original
 * and rewrites it atomically. Nothing is written on a dry run or when nothing
 * changes. Order: secrets first, then credkit.json, then backup and rewrite,
 * so a failure never leaves a server pointing at a secret that is not stored.
 *
 * @example
 * ```ts
 * const report = await runImport({ file, credkitConfig, bin: "credkit", dryRun: false,
 *   store: () => ctx.stores.writable(), filePath: ctx.stores.filePath });
 * ```
 */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const client = readJsonObject(options.file, "MCP configuration");
  const existing = fs.existsSync(options.credkitConfig)
    ? readJsonObject(options.credkitConfig, "config")
    : undefined;
  const catalog = existing
    ? loadConfig({ cwd: dirname(options.credkitConfig), explicitPath: options.credkitConfig })
    : parseConfig({}, options.credkitConfig);
  let store: SecretBackend | undefined;
  let storeName: BackendName | undefined;
  try {
    store = await options.store();
    storeName = isBackendName(store.name) ? store.name : "keychain";
  } catch (err) {
    if (!options.dryRun) throw err;
    storeName = options.fallbackStoreName;
  }
  const plan = planImport(client.data, catalog.services, {
    bin: options.bin,
    credkitConfig: options.credkitConfig,
    store: storeName ?? "keychain",
    filePath: options.filePath,
  });
  const secrets = plan.servers.flatMap((s) => [...Object.values(s.values), ...s.argSecrets]);
  const report: ImportReport = {
    file: options.file,
    credkitConfig: options.credkitConfig,
    store: storeName ?? null,
    backup: null,
    dryRun: options.dryRun,
    changed: plan.changed,
    servers: plan.servers.map(({ values: _v, fields: _f, argSecrets: _a, ...rest }) => rest),
  };
  if (options.dryRun) {
    report.config = JSON.parse(maskString(JSON.stringify(plan.config), secrets));
    return report;
  }
  if (!plan.changed) return report;

  // 1. credkit.json: validated as a whole before anything is written.
  const cfg: Record<string, unknown> = existing ? structuredClone(existing.data) : {};
  const svcs = isObject(cfg.services) ? cfg.services : {};
  for (const s of plan.servers) {
    if (s.status !== "wrapped") continue;
    const prev = isObject(svcs[s.service!]) ? svcs[s.service!] as Record<string, unknown> : {};
    const fields: Record<string, unknown> = isObject(prev.fields) ? { ...prev.fields } : {};
    for (const [field, variable] of Object.entries(s.fields)) {
      fields[field] = { env: [variable], secret: true };
    }
    svcs[s.service!] = {
      ...prev,
      description: typeof prev.description === "string"
        ? prev.description
        : `Secrets of the MCP server "${s.name}" (credkit mcp import)`,
      fields,
    };
  }
  cfg.services = svcs;
  parseConfig(cfg, options.credkitConfig);

  // 2. Secrets, read back to check that each variable will have its value.
  for (const s of plan.servers) {
    if (s.status !== "wrapped") continue;
    await updateEntry(store!, s.service!, (cur) => ({ ...(cur ?? {}), ...s.values }));
    const back = await store!.get(s.service!);
    for (const [field, value] of Object.entries(s.values)) {
      if (back?.[field] !== value) {
        throw new CredkitError(
          "store_unavailable",
          `Cannot import the secrets of ${s.name}`,
          `the ${store!.name} store did not keep ${s.fields[field]}`,
          "the MCP configuration was not changed",
        );
      }
    }
  }
  const cfgMode = existing ? fs.statSync(options.credkitConfig).mode & 0o777 : 0o644;
  writeFileAtomic(options.credkitConfig, JSON.stringify(cfg, null, 2) + "\n", cfgMode);

  // 3. Backup, then the rewrite (same permissions as the original).
  report.backup = writeBackup(options.file, client.text);
  const mode = fs.statSync(options.file).mode & 0o777;
  writeFileAtomic(options.file, JSON.stringify(plan.config, null, 2) + "\n", mode);
  return report;
}
