/**
 * The shape of a tool manifest (`.credkit/tools/<id>.json`): its zod schema,
 * the types it parses to, and the published JSON Schema.
 *
 * @module
 */
import { z } from "zod";

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

const paramSchema = z.object({
  type: z.enum(["string", "number", "integer", "boolean", "array", "object"]).default("string"),
  description: z.string().optional(),
  required: z.boolean().default(false),
  enum: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
}).strict();

const stringMap = z.record(z.string().min(1), z.string());

/** JSON values a body template may hold. */
export type JsonTemplate =
  | string
  | number
  | boolean
  | null
  | JsonTemplate[]
  | { [key: string]: JsonTemplate };

const jsonTemplate: z.ZodType<JsonTemplate> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonTemplate),
    z.record(z.string(), jsonTemplate),
  ])
);

/** The zod schema of a tool manifest (`.credkit/tools/<id>.json`). */
const toolManifestSchema = z.object({
  $schema: z.string().optional(),
  id: z.string().regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "letters, digits, _ and - (at most 64, as MCP tool names)",
  ).describe("Tool name, unique in the directory; the MCP tool name"),
  type: z.literal("http").describe("Kind of tool: an HTTP call"),
  description: z.string().min(1).describe("What the tool does (shown to agents)"),
  required_scope: z.string().min(1).optional().describe(
    "Scope the token needs when the action has no entry in scopes",
  ),
  scopes: z.record(z.string().min(1), z.string().min(1).nullable()).optional().describe(
    "Actions (the action parameter) and the scope each needs; null: public, no token sent",
  ),
  auth: z.object({
    service: z.string().min(1),
    header: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "an HTTP header name")
      .default("Authorization"),
    format: z.string().regex(/\{token\}/, "must contain {token}").default("Bearer {token}"),
    allow_http: z.boolean().default(false).describe(
      "Send the token over plain http:// to a host other than this machine (default false: refused)",
    ),
  }).strict().optional().describe(
    "Where the token goes: the service whose AuthStore token (or secret field) is sent, in header, formatted",
  ),
  params: z.record(
    z.string().regex(identifier, "a parameter name (letters, digits, _)"),
    paramSchema,
  )
    .default({}).describe("Call parameters: name → {type, description, required, enum}"),
  config: z.object({
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
    url: z.string().min(1).describe(
      "URL template: ${VAR} credential variables, {param} parameters (URL-encoded)",
    ),
    headers: stringMap.default({}),
    query: stringMap.default({}),
    body: jsonTemplate.optional().describe(
      'JSON body template; a string that is exactly "{param}" takes the parameter\'s typed value',
    ),
    timeoutMs: z.number().int().positive().optional(),
  }).strict(),
}).strict();

/** One declared parameter of a tool. */
export interface ParamDef {
  /**
   * The JSON type of its value.
   *
   * @default {"string"}
   */
  type: "string" | "number" | "integer" | "boolean" | "array" | "object";
  /** What it is (shown to agents). */
  description?: string;
  /**
   * Whether a call must give it.
   *
   * @default {false}
   */
  required: boolean;
  /** The only values it may take. */
  enum?: (string | number | boolean)[];
}

/** Where a tool's token goes. */
export interface ToolAuth {
  /** The service whose AuthStore token (or secret field) is sent. */
  service: string;
  /**
   * The header that carries it.
   *
   * @default {"Authorization"}
   */
  header: string;
  /**
   * The header value; `{token}` is replaced by the token.
   *
   * @default {"Bearer {token}"}
   */
  format: string;
  /**
   * Send the token over plain http:// to a host other than this machine.
   *
   * @default {false}
   */
  allow_http: boolean;
}

/** The HTTP call of a tool; every string is a template. */
export interface ToolHttpConfig {
  /**
   * The HTTP method.
   *
   * @default {"GET"}
   */
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";
  /** URL template: `${VAR}` credential variables, `{param}` parameters (URL-encoded). */
  url: string;
  /**
   * Header name → value template.
   *
   * @default {{}}
   */
  headers: Record<string, string>;
  /**
   * Query parameter → value template (left out when it is exactly an absent `{param}`).
   *
   * @default {{}}
   */
  query: Record<string, string>;
  /** JSON body template; a string that is exactly `"{param}"` takes the parameter's typed value. */
  body?: JsonTemplate;
  /** Timeout of the call in milliseconds, instead of the executor's. */
  timeoutMs?: number;
}

/** A tool manifest after validation and defaults. */
export interface ToolManifest {
  /** The JSON Schema the file names, if any. */
  $schema?: string;
  /** Tool name, unique in the directory; the MCP tool name. */
  id: string;
  /** Kind of tool: an HTTP call. */
  type: "http";
  /** What the tool does (shown to agents). */
  description: string;
  /** Scope the token needs when the action has no entry in `scopes`. */
  required_scope?: string;
  /** Actions (the `action` parameter) and the scope each needs; `null`: public, no token sent. */
  scopes?: Record<string, string | null>;
  /** Where the token goes; absent: no token is sent. */
  auth?: ToolAuth;
  /**
   * Call parameters: name → definition.
   *
   * @default {{}}
   */
  params: Record<string, ParamDef>;
  /** The HTTP call. */
  config: ToolHttpConfig;
}

// The interfaces above are what the schemas parse to, exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShapes: [
  Same<ParamDef, z.infer<typeof paramSchema>>,
  Same<ToolManifest, z.infer<typeof toolManifestSchema>>,
] = [true, true];
/**
 * Checks `data` against the manifest schema and applies defaults: the
 * manifest, or the first problem as `field.path: message`.
 *
 * @example
 * ```ts
 * checkManifestShape({ id: "x" }); // { problem: "type: Invalid input: expected \"http\"" }
 * ```
 */
export function checkManifestShape(
  data: unknown,
): { manifest: ToolManifest } | { problem: string } {
  const parsed = toolManifestSchema.safeParse(data);
  if (parsed.success) return { manifest: parsed.data };
  return { problem: describeIssue(parsed.error.issues[0]) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  return `${path}: ${issue.message}`;
}

/**
 * The JSON Schema of tool manifests (draft 2020-12), published as
 * `credkit-tool.schema.json`.
 *
 * @example
 * ```ts
 * toolJsonSchema().title; // "credkit tool manifest"
 * ```
 */
export function toolJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(toolManifestSchema, { io: "input" }),
    title: "credkit tool manifest",
    description:
      "An authenticated HTTP tool run by credkit's executor and MCP gateway (.credkit/tools/<id>.json)",
  };
}
