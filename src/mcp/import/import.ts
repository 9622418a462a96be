/**
 * `credkit mcp import`: takes the secrets out of MCP client files (every
 * client, every place it keeps servers), stores them under one service per
 * client server, declares those services in the user config, backs the
 * original up in the state directory and rewrites the file in place.
 *
 * @module
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { basename } from "node:path";
import type { ServiceDef } from "../../catalog.ts";
import { CredkitError } from "../../errors.ts";
import { describeFsError } from "../../fs_errors.ts";
import { writeFileAtomic } from "../../fs_write.ts";
import type { SecretBackend } from "../../store/backend.ts";
import { updateEntry } from "../../store/backend.ts";
import { writeBackup } from "./backup.ts";
import { type ClientFile, slug } from "./clients.ts";
import { jsoncText, type JsonPath, parseJsonc, setJsonc } from "./jsonc.ts";
import { planServer, type ServerPlan } from "./server_plan.ts";
import { declareServices, fieldFor, type ServiceDeclaration } from "./user_config.ts";

/** What {@link importFiles} needs. */
export interface ImportOptions {
  /** The client files to import from. */
  files: ClientFile[];
  /** Report what would change, change nothing. */
  dryRun: boolean;
  /** Replace stored values that differ. */
  force: boolean;
  /** Refuse a file without servers (a named FILE); found files without any are listed empty. */
  requireServers: boolean;
  /** credkit command for per-user files (an absolute path when compiled). */
  bin: string;
  /** Extra `credkit run` options written in per-user files. */
  runExtraUser: string[];
  /** The user config file declaring the services. */
  userConfig: string;
  /** credkit's state directory (backups go to `<stateDir>/backups/`). */
  stateDir: string;
  /** The services known so far (catalog and configs). */
  services: Record<string, ServiceDef>;
  /** The store the secrets go to (a dry run works without one). */
  store: () => Promise<SecretBackend>;
  /** Milliseconds, for backup names. */
  clock: () => number;
}

/** One server in the report (no values). */
export type ServerReport = Omit<ServerPlan, "edits" | "secrets" | "leftover">;

/** One file in the report. */
export interface FileReport {
  /** The client file. */
  path: string;
  /** The client that reads it. */
  client: string;
  /** `user` or `project`. */
  scope: string;
  /** Whether it was (or, in a dry run, would be) rewritten. */
  changed: boolean;
  /** The backup of its original text, `null` when none was made. */
  backup: string | null;
  /** Its servers, in file order. */
  servers: ServerReport[];
}

/** What {@link importFiles} did (or would do). */
export interface ImportReport {
  /** Whether nothing was changed on purpose. */
  dryRun: boolean;
  /** The user config file declaring the services. */
  userConfig: string;
  /** The store the secrets went to, `null` when none was opened. */
  store: string | null;
  /** Each client file, in the order given. */
  files: FileReport[];
  /** Servers left alone because their service already holds other values. */
  conflicts: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A short, stable id of a project directory: its name and a hash of its path.
 *
 * @example
 * ```ts
 * projectId("/home/me/work/api"); // "api-3f9a1c"
 * ```
 */
export function projectId(dir: string): string {
  return `${slug(basename(dir)).slice(0, 24)}-${
    createHash("sha256").update(dir).digest("hex").slice(0, 6)
  }`;
}

/** Every servers object of a parsed client file, with its JSON path and naming prefix. */
function serverSets(
  file: ClientFile,
  data: Record<string, unknown>,
): { path: JsonPath; location: string; prefix: string }[] {
  const base = `mcp-${file.client}-${file.projectDir ? projectId(file.projectDir) + "-" : ""}`;
  const sets: { path: JsonPath; location: string; prefix: string }[] = [];
  if (isObject(data.mcpServers)) {
    sets.push({ path: ["mcpServers"], location: "mcpServers", prefix: base });
  }
  if (isObject(data.servers)) sets.push({ path: ["servers"], location: "servers", prefix: base });
  if (isObject(data.mcp) && isObject(data.mcp.servers)) {
    sets.push({ path: ["mcp", "servers"], location: "mcp.servers", prefix: `${base}settings-` });
  }
  if (isObject(data.projects)) {
    for (const [dir, p] of Object.entries(data.projects)) {
      if (isObject(p) && isObject(p.mcpServers) && Object.keys(p.mcpServers).length) {
        sets.push({
          path: ["projects", dir, "mcpServers"],
          location: `projects[${JSON.stringify(dir)}].mcpServers`,
          prefix: `mcp-${file.client}-local-${projectId(dir)}-`,
        });
      }
    }
  }
  return sets;
}

function knownSecretIn(services: Record<string, ServiceDef>): (v: string) => boolean | undefined {
  const byVariable = new Map<string, boolean>();
  for (const svc of Object.values(services)) {
    for (const f of Object.values(svc.fields)) for (const e of f.env) byVariable.set(e, f.secret);
  }
  return (v) => byVariable.get(v);
}

/** Plans one file: its servers and the edited text. */
function planFile(
  file: ClientFile,
  options: ImportOptions,
  usedServices: Set<string>,
): { raw: string; text: string; plans: { plan: ServerPlan; path: JsonPath }[] } {
  let raw: string;
  try {
    raw = fs.readFileSync(file.path, "utf8");
  } catch (err) {
    throw new CredkitError(
      "usage",
      `Cannot read MCP configuration ${file.path}`,
      describeFsError(err),
    );
  }
  const { doc, data } = parseJsonc(raw, file.path);
  const sets = serverSets(file, data);
  if (!sets.length && options.requireServers) {
    throw new CredkitError(
      "usage",
      `Cannot import ${file.path}`,
      'it has no "mcpServers", "servers" or "mcp.servers" object',
    );
  }
  const knownSecret = knownSecretIn(options.services);
  const plans: { plan: ServerPlan; path: JsonPath }[] = [];
  for (const set of sets) {
    let servers: Record<string, unknown> = data;
    for (const k of set.path) servers = servers[k as string] as Record<string, unknown>;
    for (const [name, entry] of Object.entries(servers)) {
      let service = `${set.prefix}${slug(name)}`;
      for (let i = 2; usedServices.has(service); i++) service = `${set.prefix}${slug(name)}-${i}`;
      const plan = planServer(name, set.location, entry, {
        client: file.client,
        scope: file.scope,
        service,
        bin: file.scope === "user" ? options.bin : "credkit",
        runExtra: file.scope === "user" ? options.runExtraUser : [],
        knownSecret,
      });
      if (plan.secrets.length) usedServices.add(service);
      plans.push({ plan, path: [...set.path, name] });
    }
  }
  for (const { plan, path } of plans) {
    for (const e of plan.edits) setJsonc(doc, [...path, ...e.path], e.value);
  }
  // The rewrite must read back as JSONC (never write a file the client cannot read).
  parseJsonc(jsoncText(doc), file.path);
  return { raw, text: jsoncText(doc), plans };
}

/** Stores one server's secrets and reads them back. */
async function storeSecrets(plan: ServerPlan, store: SecretBackend): Promise<void> {
  const values = Object.fromEntries(plan.secrets.map((s) => [fieldFor(s.variable), s.value]));
  await updateEntry(store, plan.service!, (cur) => ({ ...(cur ?? {}), ...values }));
  const back = await store.get(plan.service!);
  for (const s of plan.secrets) {
    if (back?.[fieldFor(s.variable)] !== s.value) {
      throw new CredkitError(
        "store_unavailable",
        `Cannot import the secrets of ${plan.server}`,
        `the ${store.name} store did not keep ${s.variable}`,
        "the MCP configuration was not changed",
      );
    }
  }
}

function toReport(plan: ServerPlan): ServerReport {
  const { edits: _e, secrets: _s, leftover: _l, ...rest } = plan;
  return rest;
}

/**
 * Every secret value seen in a plan (moved or left), for masking output.
 *
 * @example
 * ```ts
 * const secrets = secretsOf(plans);
 * ```
 */
export function secretsOf(plans: ServerPlan[]): string[] {
  return plans.flatMap((p) => [...p.secrets.map((s) => s.value), ...p.leftover]);
}

/**
 * Imports `files`: per file, secrets first (read back), then the user config,
 * then a backup and the in-place rewrite, so a failure never leaves an entry
 * pointing at a secret that is not stored. Nothing is written on a dry run
 * or for a file whose servers need no change (a rerun changes nothing).
 * Returns the report and every secret seen (for masking, never printed).
 *
 * @example
 * ```ts
 * const { report } = await importFiles({ files, dryRun: true, force: false, requireServers: true, bin: "credkit",
 *   runExtraUser: [], userConfig, stateDir, services, store: () => stores.writable(), clock: Date.now });
 * ```
 */
export async function importFiles(
  options: ImportOptions,
): Promise<{ report: ImportReport; secrets: string[] }> {
  const report: ImportReport = {
    dryRun: options.dryRun,
    userConfig: options.userConfig,
    store: null,
    files: [],
    conflicts: 0,
  };
  const secrets: string[] = [];
  const usedServices = new Set<string>();
  let store: SecretBackend | undefined;
  const planned = options.files.map((file) => ({ file, ...planFile(file, options, usedServices) }));
  for (const p of planned) secrets.push(...secretsOf(p.plans.map((x) => x.plan)));
  const needsStore = planned.some((p) => p.plans.some((x) => x.plan.secrets.length));
  if (needsStore) {
    try {
      store = await options.store();
      report.store = store.name;
    } catch (err) {
      if (!options.dryRun) throw err;
    }
  }
  for (const p of planned) {
    const fileReport: FileReport = {
      path: p.file.path,
      client: p.file.client,
      scope: p.file.scope,
      changed: false,
      backup: null,
      servers: [],
    };
    report.files.push(fileReport);
    const conflicted = new Set<ServerPlan>();
    for (const { plan } of p.plans) {
      if (!plan.secrets.length || !store) continue;
      const current = await store.get(plan.service!);
      const differs = plan.secrets.some((s) => {
        const v = current?.[fieldFor(s.variable)];
        return v !== undefined && v !== s.value;
      });
      if (differs && !options.force) conflicted.add(plan);
    }
    for (const plan of conflicted) {
      plan.warnings.push(
        `service ${plan.service} already holds a different value; left unchanged (--force replaces it)`,
      );
      plan.leftover.push(...plan.secrets.map((s) => s.value));
      plan.secrets = [];
      plan.edits = [];
      plan.moved = [];
      plan.status = "warned";
      report.conflicts++;
    }
    const text = conflicted.size ? editedWithout(p, conflicted) : p.text;
    const moving = p.plans.map((x) => x.plan).filter((plan) => plan.secrets.length);
    fileReport.servers = p.plans.map((x) => toReport(x.plan));
    fileReport.changed = text !== p.raw && moving.length > 0;
    if (options.dryRun || !fileReport.changed) continue;
    for (const plan of moving) await storeSecrets(plan, store!);
    const declarations: ServiceDeclaration[] = moving.map((plan) => ({
      service: plan.service!,
      description: `Secrets of the MCP server "${plan.server}" (${p.file.client}, ${p.file.path})`,
      fields: Object.fromEntries(plan.secrets.map((s) => [fieldFor(s.variable), s.variable])),
    }));
    await declareServices(options.userConfig, declarations);
    const mode = fs.statSync(p.file.path).mode & 0o777;
    fileReport.backup = writeBackup(options.stateDir, p.file.path, p.raw, mode, options.clock());
    writeFileAtomic(p.file.path, text, mode);
  }
  return { report, secrets: [...new Set(secrets)] };
}

/** The file's text with the edits of every server but the conflicted ones. */
function editedWithout(
  p: { raw: string; plans: { plan: ServerPlan; path: JsonPath }[]; file: ClientFile },
  skip: Set<ServerPlan>,
): string {
  const { doc } = parseJsonc(p.raw, p.file.path);
  for (const { plan, path } of p.plans) {
    if (skip.has(plan)) continue;
    for (const e of plan.edits) setJsonc(doc, [...path, ...e.path], e.value);
  }
  return jsoncText(doc);
}
