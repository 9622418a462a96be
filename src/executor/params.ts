/**
 * Call parameters of a tool: checked against the manifest's declared ones
 * (a call cannot slip in anything the manifest does not use), and converted
 * from command-line text to the declared types.
 *
 * @module
 */
import { CredkitError } from "../errors.ts";
import type { LoadedTool } from "./manifest.ts";
import type { ParamDef } from "./manifest_schema.ts";

function typeMatches(def: ParamDef, value: unknown): boolean {
  switch (def.type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
}

/**
 * Checks call parameters against a tool's declared ones; returns the problem,
 * or `undefined` when they are valid. Undeclared names are refused, so a call
 * cannot slip in anything the manifest does not use.
 *
 * @example
 * ```ts
 * validateParams(tool, { action: "search", name: "x" }); // undefined
 * validateParams(tool, { GITHUB_TOKEN: "x" }); // 'unknown parameter "GITHUB_TOKEN" (expected: action, name)'
 * ```
 */
export function validateParams(
  tool: LoadedTool,
  params: Record<string, unknown>,
): string | undefined {
  const declared = Object.keys(tool.params);
  for (const [name, value] of Object.entries(params)) {
    if (!Object.hasOwn(tool.params, name)) {
      return `unknown parameter "${name}" (expected: ${declared.join(", ") || "none"})`;
    }
    if (value === undefined || value === null) continue;
    const def = tool.params[name];
    if (!typeMatches(def, value)) return `parameter "${name}" must be of type ${def.type}`;
    if (def.enum && !def.enum.some((e) => e === value)) {
      return `parameter "${name}" must be one of: ${def.enum.join(", ")}`;
    }
  }
  for (const [name, def] of Object.entries(tool.params)) {
    if (def.required && (params[name] === undefined || params[name] === null)) {
      return `missing required parameter "${name}"`;
    }
  }
  return undefined;
}

/**
 * Converts `k=v` strings from the command line to the declared parameter
 * types (number, integer, boolean; JSON for array and object). Throws a usage
 * error naming the parameter.
 *
 * @example
 * ```ts
 * coerceParams(tool, { limit: "10", name: "x" }); // { limit: 10, name: "x" }
 * ```
 */
export function coerceParams(
  tool: LoadedTool,
  raw: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const bad = (name: string, type: string) =>
    new CredkitError("usage", `Invalid parameter ${name}`, `expected ${type}`);
  for (const [name, text] of Object.entries(raw)) {
    const def = tool.params[name];
    if (!def) {
      throw new CredkitError(
        "usage",
        `Unknown parameter ${name} for tool ${tool.manifest.id}`,
        `expected one of: ${Object.keys(tool.params).join(", ") || "none"}`,
      );
    }
    switch (def.type) {
      case "number":
      case "integer": {
        const n = Number(text);
        if (
          text.trim() === "" || !Number.isFinite(n) ||
          (def.type === "integer" && !Number.isInteger(n))
        ) {
          throw bad(name, def.type === "integer" ? "an integer" : "a number");
        }
        out[name] = n;
        break;
      }
      case "boolean":
        if (!["true", "false", "1", "0"].includes(text)) throw bad(name, "true or false");
        out[name] = text === "true" || text === "1";
        break;
      case "array":
      case "object": {
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch {
          throw bad(name, `a JSON ${def.type}`);
        }
        out[name] = v;
        break;
      }
      default:
        out[name] = text;
    }
  }
  return out;
}
