/**
 * `credkit get <service>.<field>`: the raw value on stdout, for scripts.
 *
 * @module
 */
import { CredkitError, usageError } from "../errors.ts";
import { resolveWith, serviceNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The options of `credkit get`, parsed once. */
export interface GetOptions {
  /** `<service>.<field>`. */
  ref?: string;
}

/**
 * Parses `get`'s arguments.
 *
 * @example
 * ```ts
 * parseGetOptions({ values: {}, positionals: ["aws.region"], rest: [] }); // { ref: "aws.region" }
 * ```
 */
export function parseGetOptions(args: ParsedArgs): GetOptions {
  return { ref: args.positionals[0] };
}

/** Runs `get`. */
export async function runGet(ctx: Context, opts: GetOptions): Promise<number> {
  const ref = opts.ref;
  const m = ref ? /^([^.]+)\.([^.]+)$/.exec(ref) : null;
  if (!m) {
    throw usageError(
      "Invalid reference",
      "expected <service>.<field>, e.g. credkit get aws.region",
    );
  }
  const service = serviceNamed(await ctx.config(), m[1]);
  if (!Object.hasOwn(service.fields, m[2])) {
    throw usageError(
      `Unknown field "${m[2]}" for ${service.name}`,
      `fields are ${Object.keys(service.fields).join(", ")}`,
    );
  }
  const field = (await resolveWith(ctx, [service]))[service.name][m[2]];
  if (field.value === undefined) {
    throw new CredkitError(
      "missing",
      `No value for ${ref}`,
      `${field.variable} is not set and nothing is stored`,
      `run: credkit add ${service.name}`,
    );
  }
  ctx.io.out(field.value + "\n");
  return 0;
}

/** The `get` command. */
export const getCommand: Command = {
  name: "get",
  summary: "print one raw value for scripts (exit 3 when missing)",
  usage: `Usage: credkit get <service>.<field>

Prints the resolved value (env > keychain > file > default) followed by a newline.
Exit code 3 when there is none.

Example:
  HF_TOKEN=$(credkit get huggingface.token)`,
  options: {},
  maxPositionals: 1,
  run: (ctx, args) => runGet(ctx, parseGetOptions(args)),
};
