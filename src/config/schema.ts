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
  const result = configSchema.safeParse(data);
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
    ...z.toJSONSchema(configSchema, { io: "input" }),
    title: "credkit.json",
    description: "Services, servers and backend tests of a project that uses credkit",
  };
}
