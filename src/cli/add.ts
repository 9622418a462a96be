/**
 * `credkit add <service>`: store a service's fields. Secrets never come from
 * argv: they are prompted for without echo, read from stdin, or taken from
 * the environment.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import { usageError } from "../errors.ts";
import { updateEntry } from "../store/backend.ts";
import { note, optBool, optStrings, serviceNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

const FIELD_LINE = /^([a-z0-9_]+)=(.*)$/s;

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

/** Fields of `service` found in `env` (first variable set wins, empty ignored). */
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

async function promptFields(ctx: Context, service: ServiceDef): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(service.fields)) {
    const suffix = def.default ? ` [${def.default}]` : "";
    const answer = await ctx.io.prompt(`${service.name} ${name} (${def.env[0]})${suffix}: `, {
      hidden: def.secret,
    });
    if (answer !== "") out[name] = answer;
  }
  return out;
}

/** Checks field names and values; never echoes a value. */
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

/** Runs `add`. */
export async function runAdd(ctx: Context, args: ParsedArgs): Promise<number> {
  const config = await ctx.config();
  const service = serviceNamed(config, args.positionals[0]);
  const fields: Record<string, string> = {};
  for (const pair of optStrings(args, "field")) {
    const m = FIELD_LINE.exec(pair);
    if (!m) {
      throw usageError(`Invalid --field "${pair.split("=")[0]}"`, "expected --field name=value");
    }
    const def = Object.hasOwn(service.fields, m[1]) ? service.fields[m[1]] : undefined;
    if (def?.secret) {
      throw usageError(
        `Refusing ${service.name}.${m[1]} from the command line`,
        "secret values are never taken from argv (they end up in shell history and ps)",
        `use: credkit add ${service.name} --stdin, --from-env, or the prompt`,
      );
    }
    fields[m[1]] = m[2];
  }
  if (optBool(args, "from-env")) Object.assign(fields, fieldsFromEnv(service, ctx.env));
  if (optBool(args, "stdin")) {
    Object.assign(fields, parseStdinFields(service, await ctx.io.readStdin()));
  }
  const explicit = optBool(args, "from-env") || optBool(args, "stdin") ||
    optStrings(args, "field").length > 0;
  if (!explicit) {
    if (ctx.globals.noInput) {
      throw usageError(
        `No values given for ${service.name}`,
        "there is no terminal to prompt on",
        `use --stdin (field=value lines), --from-env, or --field for non-secret fields`,
      );
    }
    Object.assign(fields, await promptFields(ctx, service));
  }
  if (Object.keys(fields).length === 0) {
    throw usageError(
      `No values given for ${service.name}`,
      optBool(args, "from-env")
        ? `none of ${Object.values(service.fields).map((f) => f.env[0]).join(", ")} is set`
        : "nothing to store",
    );
  }
  validateFields(service, fields);
  const store = await ctx.stores.writable();
  await updateEntry(store, service.name, (cur) => ({ ...(cur ?? {}), ...fields }));
  note(ctx, `credkit: stored ${service.name} (${Object.keys(fields).join(", ")}) in ${store.name}`);
  return 0;
}

/** The `add` command. */
export const addCommand: Command = {
  name: "add",
  summary: "store a service's credentials (prompt, --stdin or --from-env; never argv)",
  usage: `Usage: credkit add <service> [--field name=value]... [--stdin] [--from-env]

Stores fields of a service in one store (--store, CREDKIT_STORE, else the keychain).
Secret fields are never taken from argv: they are prompted for without echo on a
terminal, read from stdin (--stdin: field=value lines, or a bare value for a
service with one secret field), or taken from the environment (--from-env).

Examples:
  credkit add huggingface                              # prompts, token hidden
  printf '%s' "$HF_TOKEN" | credkit add huggingface --stdin
  credkit add aws --from-env --field region=eu-west-1`,
  options: {
    field: { type: "string", multiple: true },
    stdin: { type: "boolean" },
    "from-env": { type: "boolean" },
  },
  maxPositionals: 1,
  run: runAdd,
};
