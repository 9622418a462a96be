/**
 * credkit.json: schema, discovery and loading. The schema is zod; the
 * published JSON Schema (`credkit.schema.json`) is generated from it by
 * `scripts/gen_schema.ts`.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { BUILTIN_SERVICES, type ServiceDef } from "./catalog.ts";
import { CredkitError } from "./errors.ts";
import { describeFsError, describeJsonError } from "./fs_errors.ts";
import { findConfigFile } from "./config_find.ts";

export { findConfigFile };

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");
const serviceName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a lower-case service name");

const fieldSchema = z.object({
  env: z.array(envName).min(1),
  secret: z.boolean().default(false),
  default: z.string().optional(),
}).strict();

const authSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("oauth2"),
    tokenEndpoint: z.url(),
    deviceAuthorizationEndpoint: z.url().optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().optional(),
    scopes: z.array(z.string()).optional(),
    refreshMarginSeconds: z.number().int().min(0).optional(),
  }).strict(),
  z.object({
    type: z.literal("supabase"),
    refreshMarginSeconds: z.number().int().min(0).optional(),
  }).strict(),
]);

const serviceSchema = z.object({
  description: z.string().optional(),
  fields: z.record(z.string().regex(/^[a-z0-9_]+$/, "a lower-case field name"), fieldSchema),
  auth: authSchema.optional(),
}).strict();

const readySchema = z.object({
  url: z.url().optional(),
  logLine: z.string().optional(),
  timeoutMs: z.number().int().positive().default(15000),
}).strict();

const serverSchema = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  services: z.array(serviceName).default([]),
  ready: readySchema.optional(),
  restart: z.object({
    maxRestarts: z.number().int().min(0).default(5),
    backoffMs: z.number().int().positive().default(500),
    maxBackoffMs: z.number().int().positive().default(30000),
  }).strict().default({ maxRestarts: 5, backoffMs: 500, maxBackoffMs: 30000 }),
  stopTimeoutMs: z.number().int().positive().default(5000),
}).strict();

const backendSchema = z.object({
  services: z.array(serviceName).default([]),
  command: z.array(z.string()).min(1),
  cwd: z.string().optional(),
  timeoutMs: z.number().int().positive().optional(),
}).strict();

/** The zod schema of credkit.json. */
export const configSchema = z.object({
  $schema: z.string().optional(),
  services: z.record(serviceName, serviceSchema).default({}),
  servers: z.record(z.string().min(1), serverSchema).default({}),
  backends: z.record(z.string().min(1), backendSchema).default({}),
}).strict();

/** credkit.json after validation and defaults. */
export type ConfigFile = z.infer<typeof configSchema>;
/** A declared server. */
export type ServerDef = z.infer<typeof serverSchema>;
/** A declared backend test. */
export type BackendDef = z.infer<typeof backendSchema>;

/** The catalog a command works with: built-ins merged with the project's config. */
export interface LoadedConfig {
  /** Path of the credkit.json used, if any. */
  path?: string;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
  services: Record<string, ServiceDef>;
  servers: Record<string, ServerDef>;
  backends: Record<string, BackendDef>;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  return `${path}: ${issue.message}`;
}

/**
 * Validates a parsed credkit.json and merges it with the built-in services.
 * Throws a usage-kind error naming the file, the field and what was expected.
 *
 * @example
 * ```ts
 * const cfg = parseConfig({ services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } } }, "credkit.json");
 * cfg.services.myapi.fields.token.secret; // true
 * ```
 */
export function parseConfig(data: unknown, path: string): LoadedConfig {
  const result = configSchema.safeParse(data);
  if (!result.success) {
    throw new CredkitError(
      "usage",
      `Invalid config ${path}`,
      describeIssue(result.error.issues[0]),
      "see credkit.schema.json",
    );
  }
  const file = result.data;
  const services: Record<string, ServiceDef> = { ...BUILTIN_SERVICES };
  for (const [name, svc] of Object.entries(file.services)) {
    services[name] = { name, description: svc.description, fields: svc.fields, auth: svc.auth };
  }
  for (
    const [where, list] of [
      ...Object.entries(file.servers).map(([n, s]) => [`servers.${n}`, s.services] as const),
      ...Object.entries(file.backends).map(([n, b]) => [`backends.${n}`, b.services] as const),
    ]
  ) {
    for (const s of list) {
      if (!Object.hasOwn(services, s)) {
        throw new CredkitError(
          "usage",
          `Invalid config ${path}`,
          `${where}.services: unknown service "${s}"`,
          `declare it under "services" or use one of: ${Object.keys(services).join(", ")}`,
        );
      }
    }
  }
  return {
    path,
    baseDir: dirname(resolve(path)),
    services,
    servers: file.servers,
    backends: file.backends,
  };
}

/**
 * Loads the config: `explicitPath` (from `--config`), else credkit.json found
 * from `cwd` upwards, else the built-in catalog alone.
 *
 * @example
 * ```ts
 * const cfg = loadConfig({ cwd: Deno.cwd() });
 * ```
 */
export function loadConfig(options: { cwd: string; explicitPath?: string }): LoadedConfig {
  const path = options.explicitPath
    ? resolve(options.cwd, options.explicitPath)
    : findConfigFile(options.cwd);
  if (!path) {
    return { baseDir: options.cwd, services: { ...BUILTIN_SERVICES }, servers: {}, backends: {} };
  }
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
    throw new CredkitError("usage", `Invalid config ${path}`, describeJsonError(text));
  }
  return parseConfig(data, path);
}

/**
 * The JSON Schema of credkit.json (draft 2020-12), generated from the zod schema.
 *
 * @example
 * ```ts
 * configJsonSchema().title; // "credkit.json"
 * ```
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: "input" }),
    title: "credkit.json",
    description: "Services, servers and backend tests of a project that uses credkit",
  };
}
