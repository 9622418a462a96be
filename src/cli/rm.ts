/**
 * `credkit rm <service> [--field k]`: remove a service, or some of its fields,
 * from one store.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { updateEntry } from "../store/backend.ts";
import { note, optStrings, serviceNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The options of `credkit rm`, parsed once. */
export interface RmOptions {
  /** The service to remove. */
  service?: string;
  /** `--field`: remove only these fields. */
  fields: string[];
}

/**
 * Parses `rm`'s arguments.
 *
 * @example
 * ```ts
 * parseRmOptions({ values: { field: ["region"] }, positionals: ["aws"], rest: [] });
 * ```
 */
export function parseRmOptions(args: ParsedArgs): RmOptions {
  return { service: args.positionals[0], fields: optStrings(args, "field") };
}

/** Runs `rm`. */
export async function runRm(ctx: Context, opts: RmOptions): Promise<number> {
  const config = await ctx.config();
  const name = opts.service;
  // Stored entries of services no longer declared can still be removed.
  const known = name !== undefined && Object.hasOwn(config.services, name);
  if (!known) serviceNamed(config, name);
  const fields = opts.fields;
  const service = config.services[name!];
  for (const f of fields) {
    if (!Object.hasOwn(service.fields, f)) {
      throw usageError(
        `Unknown field "${f}" for ${name}`,
        `fields are ${Object.keys(service.fields).join(", ")}`,
      );
    }
  }
  const store = await ctx.stores.writable();
  let removed: string[] = [];
  if (fields.length === 0) {
    if (await store.remove(name!)) removed = ["all fields"];
  } else {
    await updateEntry(store, name!, (cur) => {
      if (!cur) return undefined;
      const next = { ...cur };
      for (const f of fields) {
        if (f in next) {
          removed.push(f);
          delete next[f];
        }
      }
      return Object.keys(next).length ? next : undefined;
    });
  }
  if (removed.length === 0) note(ctx, `credkit: nothing stored for ${name} in ${store.name}`);
  else note(ctx, `credkit: removed ${name} (${removed.join(", ")}) from ${store.name}`);
  return 0;
}

/** The `rm` command. */
export const rmCommand: Command = {
  name: "rm",
  summary: "remove a service (or some fields) from the chosen store",
  usage: `Usage: credkit rm <service> [--field name]...

Removes the service's entry, or only the named fields, from one store (--store,
CREDKIT_STORE, else the keychain). Removing what is not there is not an error.

Examples:
  credkit rm github
  credkit rm --store file aws --field secret_access_key`,
  options: { field: { type: "string", multiple: true } },
  maxPositionals: 1,
  run: (ctx, args) => runRm(ctx, parseRmOptions(args)),
};
