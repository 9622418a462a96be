/**
 * `credkit add <service>`: store a service's fields. Secrets never come from
 * argv: they are prompted for without echo, read from stdin, or taken from
 * the environment.
 *
 * @module
 */
import {
  FIELD_LINE,
  fieldsFromEnv,
  parseStdinFields,
  promptFields,
  validateFields,
} from "../credential_input.ts";
import { usageError } from "../errors.ts";
import { updateEntry } from "../store/backend.ts";
import { note, optBool, optStrings, serviceNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The options of `credkit add`, parsed once. */
export interface AddOptions {
  /** The service named on the command line. */
  service?: string;
  /** `--field name=value` pairs (non-secret fields only). */
  fieldPairs: string[];
  /** `--stdin`: read `field=value` lines or one bare secret. */
  stdin: boolean;
  /** `--from-env`: take the service's variables from the environment. */
  fromEnv: boolean;
}

/**
 * Parses `add`'s arguments.
 *
 * @example
 * ```ts
 * parseAddOptions({ values: { stdin: true }, positionals: ["github"], rest: [] });
 * ```
 */
export function parseAddOptions(args: ParsedArgs): AddOptions {
  return {
    service: args.positionals[0],
    fieldPairs: optStrings(args, "field"),
    stdin: optBool(args, "stdin"),
    fromEnv: optBool(args, "from-env"),
  };
}

/** Runs `add`. */
export async function runAdd(ctx: Context, opts: AddOptions): Promise<number> {
  const config = await ctx.config();
  const service = serviceNamed(config, opts.service);
  const fields: Record<string, string> = {};
  for (const pair of opts.fieldPairs) {
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
  if (opts.fromEnv) Object.assign(fields, fieldsFromEnv(service, ctx.env));
  if (opts.stdin) {
    Object.assign(fields, parseStdinFields(service, await ctx.io.readStdin()));
  }
  const explicit = opts.fromEnv || opts.stdin || opts.fieldPairs.length > 0;
  if (!explicit) {
    if (ctx.globals.noInput) {
      throw usageError(
        `No values given for ${service.name}`,
        "there is no terminal to prompt on",
        `use --stdin (field=value lines), --from-env, or --field for non-secret fields`,
      );
    }
    Object.assign(fields, await promptFields(ctx.io, service));
  }
  if (Object.keys(fields).length === 0) {
    throw usageError(
      `No values given for ${service.name}`,
      opts.fromEnv
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
  run: (ctx, args) => runAdd(ctx, parseAddOptions(args)),
};
