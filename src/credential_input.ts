/**
 * Where `add` and `import` get field values from: stdin (`field=value`
 * lines or one bare secret), the environment, or the terminal; and the one
 * check every stored value passes. Values are never echoed.
 *
 * @module
 */
import type { ServiceDef } from "./catalog.ts";
import type { Io } from "./cli/context.ts";
import { usageError } from "./errors.ts";

/** One `field=value` line of `add --stdin`. */
export const FIELD_LINE = /^([a-z0-9_]+)=(.*)$/s;

/**
 * Parses `--stdin` input: `field=value` lines, or a bare value when the
 * service has exactly one secret field.
 *
 * @example
 * ```ts
 * parseStdinFields(BUILTIN_SERVICES.storacha, "tok\n"); // { token: "tok" }
 * ```
 */
export function parseStdinFields(service: ServiceDef, text: string): Record<string, string> {
  const body = text.replace(/\r?\n$/, "");
  const lines = body.split(/\r?\n/).filter((l) => l.trim() !== "");
  // Input made only of name=value lines is keyed, and every name must be a
  // field of the service (`constructor=x` is refused, not stored as a value).
  const keyed = lines.length > 0 && lines.every((l) => FIELD_LINE.test(l));
  if (keyed) {
    const fields: Record<string, string> = {};
    for (const line of lines) {
      const [, name, value] = FIELD_LINE.exec(line)!;
      if (!Object.hasOwn(service.fields, name)) {
        throw usageError(
          `Unknown field "${name}" for ${service.name}`,
          `fields are ${Object.keys(service.fields).join(", ")}; nothing was stored`,
          "a value that itself looks like name=value can be typed at the prompt",
        );
      }
      fields[name] = value;
    }
    return fields;
  }
  const secrets = Object.entries(service.fields).filter(([, f]) => f.secret).map(([k]) => k);
  if (secrets.length !== 1) {
    throw usageError(
      `Cannot read ${service.name} fields from stdin`,
      `expected field=value lines with fields ${Object.keys(service.fields).join(", ")}`,
    );
  }
  return { [secrets[0]]: body };
}

/**
 * Fields of `service` found in `env` (first variable set wins, empty ignored).
 *
 * @example
 * ```ts
 * fieldsFromEnv(BUILTIN_SERVICES.github, { GITHUB_TOKEN: "x" }); // { token: "x" }
 * ```
 */
export function fieldsFromEnv(
  service: ServiceDef,
  env: Record<string, string | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(service.fields)) {
    const v = def.env.map((n) => env[n]).find((x) => x !== undefined && x !== "");
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * Asks for every field of `service` on the terminal (secrets without echo);
 * an empty answer leaves the field out.
 *
 * @example
 * ```ts
 * const fields = await promptFields(ctx.io, BUILTIN_SERVICES.huggingface);
 * ```
 */
export async function promptFields(
  io: Pick<Io, "prompt">,
  service: ServiceDef,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(service.fields)) {
    const suffix = def.default ? ` [${def.default}]` : "";
    const answer = await io.prompt(`${service.name} ${name} (${def.env[0]})${suffix}: `, {
      hidden: def.secret,
    });
    if (answer !== "") out[name] = answer;
  }
  return out;
}

/**
 * Checks field names and values (known field, not empty, no NUL); never
 * echoes a value.
 *
 * @example
 * ```ts
 * validateFields(BUILTIN_SERVICES.aws, { region: "eu-west-1" });
 * ```
 */
export function validateFields(service: ServiceDef, fields: Record<string, string>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (!Object.hasOwn(service.fields, name)) {
      throw usageError(
        `Unknown field "${name}" for ${service.name}`,
        `fields are ${Object.keys(service.fields).join(", ")}`,
      );
    }
    if (value === "") {
      throw usageError(
        `Empty value for ${service.name}.${name}`,
        "values must not be empty",
        `to delete it, run credkit rm ${service.name} --field ${name}`,
      );
    }
    if (value.includes("\0")) {
      throw usageError(`Invalid value for ${service.name}.${name}`, "it contains a NUL byte");
    }
  }
}
