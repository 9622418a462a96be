/**
 * Tool manifests: one JSON file per tool under `.credkit/tools/`, describing
 * an authenticated HTTP call that an agent may make without ever seeing a
 * credential.
 *
 * Templates (see `template.ts`): `${VAR}` names a credential variable of the
 * catalog (checked when the manifest is loaded), `{param}` a call parameter.
 *
 * @module
 */
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ServiceDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";
import {
  checkManifestShape,
  type JsonTemplate,
  type ParamDef,
  type ToolManifest,
} from "./manifest_schema.ts";
import { fixesOrigin, templateRefs, urlPrefixBeforeParams } from "./template.ts";

/** A manifest ready to run: where it came from and what it needs. */
export interface LoadedTool {
  /** The manifest, validated, with defaults applied. */
  manifest: ToolManifest;
  /** The file it was read from (or a label for manifests built in memory). */
  file: string;
  /**
   * Parameters a call may pass: the declared ones, plus `action` when the
   * manifest has `scopes` (its enum: the keys of `scopes`, unless declared).
   */
  params: Record<string, ParamDef>;
  /** Credential variables referenced by `${VAR}` templates. */
  variables: string[];
  /** Services providing those variables, plus the auth service. */
  services: string[];
}

/** Every string of the template fields, with the dotted path of where it is. */
function templateStrings(m: ToolManifest): [string, string][] {
  const out: [string, string][] = [["config.url", m.config.url]];
  for (const [k, v] of Object.entries(m.config.headers)) out.push([`config.headers.${k}`, v]);
  for (const [k, v] of Object.entries(m.config.query)) out.push([`config.query.${k}`, v]);
  const walk = (value: JsonTemplate | undefined, path: string) => {
    if (typeof value === "string") out.push([path, value]);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}.${i}`));
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    }
  };
  walk(m.config.body, "config.body");
  return out;
}

/** Variable name → the service that defines it (first service wins). */
function variableIndex(services: Record<string, ServiceDef>): Map<string, string> {
  const index = new Map<string, string>();
  for (const svc of Object.values(services)) {
    for (const field of Object.values(svc.fields)) {
      for (const v of field.env) if (!index.has(v)) index.set(v, svc.name);
    }
  }
  return index;
}

/**
 * Validates a parsed manifest against the schema and the service catalog:
 * every `${VAR}` must be a variable of a catalog service, every `{param}` a
 * declared parameter, the auth service must exist, and no parameter may be
 * named like a credential variable. Errors name the file and the field.
 *
 * @example
 * ```ts
 * const tool = parseToolManifest(JSON.parse(text), "registry.json", BUILTIN_SERVICES);
 * tool.services; // ["supabase"]
 * ```
 */
export function parseToolManifest(
  data: unknown,
  file: string,
  services: Record<string, ServiceDef>,
): LoadedTool {
  const fail = (why: string, hint?: string): never => {
    throw new CredkitError("usage", `Invalid tool manifest ${file}`, why, hint);
  };
  const shape = checkManifestShape(data);
  if ("problem" in shape) fail(shape.problem, "see credkit-tool.schema.json");
  const manifest = (shape as { manifest: ToolManifest }).manifest;
  const index = variableIndex(services);
  const lowerVariables = new Set([...index.keys()].map((v) => v.toLowerCase()));

  for (const name of Object.keys(manifest.params)) {
    if (lowerVariables.has(name.toLowerCase())) {
      fail(
        `params.${name}: a parameter cannot be named like the credential variable ${name}`,
        "credentials come from ${VAR} templates, never from parameters",
      );
    }
  }
  const params: Record<string, ParamDef> = { ...manifest.params };
  if (manifest.scopes) {
    const actions = Object.keys(manifest.scopes);
    const declared = params.action;
    if (declared && declared.type !== "string") fail("params.action: must be of type string");
    params.action = {
      type: "string",
      required: declared?.required ?? false,
      description: declared?.description ??
        `What to do: ${
          actions.map((a) =>
            `${a} (${manifest.scopes![a] ? `scope ${manifest.scopes![a]}` : "public"})`
          )
            .join(", ")
        }`,
      enum: declared?.enum ?? actions,
    };
  }
  if (manifest.auth) {
    if (!Object.hasOwn(services, manifest.auth.service)) {
      fail(
        `auth.service: unknown service "${manifest.auth.service}"`,
        `declare it in credkit.json or use one of: ${Object.keys(services).join(", ")}`,
      );
    }
  } else if (
    manifest.required_scope || Object.values(manifest.scopes ?? {}).some((s) => s !== null)
  ) {
    fail("auth: a scope is required but the manifest has no auth block");
  }
  if (
    (manifest.config.method === "GET" || manifest.config.method === "HEAD") &&
    manifest.config.body !== undefined
  ) {
    fail(`config.body: a ${manifest.config.method} request has no body`);
  }
  const variables = new Set<string>();
  const needed = new Set<string>();
  for (const [where, template] of templateStrings(manifest)) {
    const refs = templateRefs(template);
    for (const v of refs.variables) {
      const svc = index.get(v);
      if (!svc) {
        fail(
          `${where}: unknown variable \${${v}} (not a variable of any service)`,
          "declare it under a service in credkit.json, or use a catalog variable such as SUPABASE_URL",
        );
      }
      variables.add(v);
      needed.add(svc!);
    }
    for (const p of refs.params) {
      if (!Object.hasOwn(params, p)) {
        fail(`${where}: unknown parameter {${p}}`, "declare it under params");
      }
    }
  }
  const prefix = urlPrefixBeforeParams(manifest.config.url);
  if (prefix !== undefined && !prefix.includes("${") && !fixesOrigin(prefix)) {
    fail(
      "config.url: a {param} before the end of the host; a parameter cannot choose where the request goes",
    );
  }
  if (manifest.auth) needed.add(manifest.auth.service);
  return { manifest, file, params, variables: [...variables], services: [...needed] };
}

/**
 * The tools directory: `explicit` (from `--tools-dir`), else `.credkit/tools`
 * next to credkit.json, else the first `.credkit/tools` found from `cwd` up.
 * `undefined` when there is none.
 *
 * @example
 * ```ts
 * findToolsDir({ cwd: "/work/project/src", configPath: "/work/project/credkit.json" });
 * // "/work/project/.credkit/tools" (when it exists)
 * ```
 */
export function findToolsDir(
  options: { cwd: string; configPath?: string; explicit?: string },
): string | undefined {
  if (options.explicit) return resolve(options.cwd, options.explicit);
  if (options.configPath) {
    const next = join(dirname(resolve(options.configPath)), ".credkit", "tools");
    if (isDir(next)) return next;
  }
  let dir = resolve(options.cwd);
  for (;;) {
    const candidate = join(dir, ".credkit", "tools");
    if (isDir(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isDir(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads every `*.json` manifest of `dir` (sorted by file name) and checks that
 * ids are unique. A missing directory yields no tools unless `required`.
 *
 * @example
 * ```ts
 * const tools = loadToolManifests("/work/project/.credkit/tools", config.services);
 * tools.map((t) => t.manifest.id); // ["registry"]
 * ```
 */
export function loadToolManifests(
  dir: string,
  services: Record<string, ServiceDef>,
  options: { required?: boolean } = {},
): LoadedTool[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !options.required) return [];
    throw new CredkitError(
      "usage",
      `Cannot read the tools directory ${dir}`,
      code === "ENOENT"
        ? "no such directory"
        : code === "ENOTDIR"
        ? "not a directory"
        : String(code ?? err),
    );
  }
  const tools: LoadedTool[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      throw new CredkitError(
        "usage",
        `Cannot read tool manifest ${file}`,
        String((err as NodeJS.ErrnoException).code ?? err),
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new CredkitError("usage", `Invalid tool manifest ${file}`, (err as Error).message);
    }
    const tool = parseToolManifest(data, file, services);
    const other = seen.get(tool.manifest.id);
    if (other) {
      throw new CredkitError(
        "usage",
        `Invalid tool manifest ${file}`,
        `id: "${tool.manifest.id}" is already used by ${basename(other)}`,
      );
    }
    seen.set(tool.manifest.id, file);
    tools.push(tool);
  }
  return tools;
}

/**
 * The scope an action needs: its entry in `scopes` (`null`: public, no token),
 * else `required_scope`, else `undefined` (a token without a particular scope,
 * when the tool has `auth`).
 *
 * @example
 * ```ts
 * scopeFor(tool.manifest, "search"); // null
 * scopeFor(tool.manifest, "upload"); // "registry:write"
 * ```
 */
export function scopeFor(
  manifest: ToolManifest,
  action: string | undefined,
): string | null | undefined {
  if (action !== undefined && manifest.scopes && Object.hasOwn(manifest.scopes, action)) {
    return manifest.scopes[action];
  }
  return manifest.required_scope;
}
