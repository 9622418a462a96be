/**
 * The zod schema of credkit.json: the reference for what a valid file is, and
 * the source of the precise error message (path and field at fault). The
 * published JSON Schema (`credkit.schema.json`) is generated from it by
 * `scripts/gen_schema.ts`. Commands do not load this module for a valid file:
 * `./check.ts` accepts it first.
 *
 * @module
 */
import { z } from "zod";
import type { AuthConfig, FieldDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";

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

/** How `server start` knows a server is ready. */
export interface ReadyDef {
  /** A URL polled until it answers. */
  url?: string;
  /** A line (substring) awaited in the server's log. */
  logLine?: string;
  /** How long to wait, in milliseconds. @default {15000} */
  timeoutMs: number;
}

/** When and how often a crashed server is restarted. */
export interface RestartDef {
  /** Restarts before giving up. @default {5} */
  maxRestarts: number;
  /** First delay between restarts, doubled each time, in milliseconds. @default {500} */
  backoffMs: number;
  /** Longest delay between restarts, in milliseconds. @default {30000} */
  maxBackoffMs: number;
}

/** A declared server, after validation and defaults. */
export interface ServerDef {
  /** The program to start. */
  command: string;
  /** Its arguments. @default {[]} */
  args: string[];
  /** Its working directory, relative to the config's directory. */
  cwd?: string;
  /** The services whose credentials it gets. @default {[]} */
  services: string[];
  /** Readiness check (none: ready once started). */
  ready?: ReadyDef;
  /** Restart policy of `server run --watch`. */
  restart: RestartDef;
  /** Grace period between SIGTERM and SIGKILL on stop, in milliseconds. @default {5000} */
  stopTimeoutMs: number;
}

/** A declared backend test, after validation and defaults. */
export interface BackendDef {
  /** The services whose credentials it needs. @default {[]} */
  services: string[];
  /** The command (argv) that tests the backend. */
  command: string[];
  /** Its working directory, relative to the config's directory. */
  cwd?: string;
  /** Killed after this long, in milliseconds. */
  timeoutMs?: number;
}

/** A service as credkit.json declares it (its name is the key). */
export interface ServiceConfig {
  /** One line about the service. */
  description?: string;
  /** Its fields, by name. */
  fields: Record<string, FieldDef>;
  /** How its user tokens are obtained and refreshed. */
  auth?: AuthConfig;
}

/** credkit.json after validation and defaults. */
export interface ConfigFile {
  /** The JSON Schema the file names. */
  $schema?: string;
  /** Services it declares. @default {{}} */
  services: Record<string, ServiceConfig>;
  /** Servers it declares. @default {{}} */
  servers: Record<string, ServerDef>;
  /** Backend tests it declares. @default {{}} */
  backends: Record<string, BackendDef>;
}

const zodConfigSchema = z.object({
  $schema: z.string().optional(),
  services: z.record(serviceName, serviceSchema).default({}),
  servers: z.record(z.string().min(1), serverSchema).default({}),
  backends: z.record(z.string().min(1), backendSchema).default({}),
}).strict();

/** One problem zod found, with the path of the field at fault. */
export interface ConfigIssue {
  /** Keys from the top of the file down to the field. */
  readonly path: readonly PropertyKey[];
  /** What was expected. */
  readonly message: string;
}

/** What {@link ConfigSchema.safeParse} returns. */
export type ConfigParseResult =
  | { readonly success: true; readonly data: ConfigFile }
  | { readonly success: false; readonly error: { readonly issues: readonly ConfigIssue[] } };

/** The zod schema of credkit.json, as far as callers use it. */
export interface ConfigSchema {
  /** Validates `data` and applies defaults, without throwing. */
  safeParse(data: unknown): ConfigParseResult;
}

/**
 * The zod schema of credkit.json; it parses to a {@link ConfigFile}.
 *
 * @example
 * ```ts
 * configSchema.safeParse({ services: {} }).success; // true
 * ```
 */
export const configSchema: ConfigSchema = zodConfigSchema;

// The interfaces above are what the schemas parse to, exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShapes: [
  Same<ServerDef, z.infer<typeof serverSchema>>,
  Same<BackendDef, z.infer<typeof backendSchema>>,
  Same<ServiceConfig, z.infer<typeof serviceSchema>>,
  Same<ConfigFile, z.infer<typeof zodConfigSchema>>,
] = [true, true, true, true];

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  return `${path}: ${issue.message}`;
}

/**
 * Validates a parsed credkit.json with zod and applies defaults. Throws a
 * usage-kind error naming the file, the field at fault and what was expected.
 *
 * @example
 * ```ts
 * const file = validateWithZod({ services: {} }, "/p/credkit.json");
 * file.servers; // {}
 * ```
 */
export function validateWithZod(data: unknown, path: string): ConfigFile {
  const result = zodConfigSchema.safeParse(data);
  if (!result.success) {
    throw new CredkitError(
      "usage",
      `Invalid config ${path}`,
      describeIssue(result.error.issues[0]),
      "see credkit.schema.json",
    );
  }
  return result.data;
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
    ...z.toJSONSchema(zodConfigSchema, { io: "input" }),
    title: "credkit.json",
    description: "Services, servers and backend tests of a project that uses credkit",
  };
}
