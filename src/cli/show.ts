/**
 * `credkit show [service]`: every field, masked, with where its value came from.
 *
 * @module
 */
import type { ResolvedService } from "../resolve.ts";
import { maskForDisplay } from "../secret.ts";
import { BACKEND_NAMES } from "../store/registry.ts";
import { optBool, printJson, renderTable, resolveWith, servicesNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The display form of a value: masked when secret unless `reveal`. */
export function displayValue(
  secret: boolean,
  value: string | undefined,
  reveal: boolean,
): string | null {
  if (value === undefined) return null;
  return secret && value !== "" && !reveal ? maskForDisplay(value) : value;
}

/** The `--json` document of `show`. */
export function showJson(resolved: Record<string, ResolvedService>, reveal: boolean): unknown {
  const services: Record<string, Record<string, unknown>> = {};
  for (const [name, fields] of Object.entries(resolved)) {
    services[name] = Object.fromEntries(
      Object.values(fields).map((f) => [f.field, {
        variable: f.variable,
        value: displayValue(f.secret, f.value, reveal),
        source: f.source,
        secret: f.secret,
      }]),
    );
  }
  return { services };
}

/** The options of `credkit show`, parsed once. */
export interface ShowOptions {
  /** Services to show; all when empty. */
  services: string[];
  /** `--reveal`: print secrets in full. */
  reveal: boolean;
}

/**
 * Parses `show`'s arguments.
 *
 * @example
 * ```ts
 * parseShowOptions({ values: { reveal: true }, positionals: ["aws"], rest: [] });
 * ```
 */
export function parseShowOptions(args: ParsedArgs): ShowOptions {
  return { services: args.positionals, reveal: optBool(args, "reveal") };
}

/** Runs `show`. */
export async function runShow(ctx: Context, opts: ShowOptions): Promise<number> {
  const config = await ctx.config();
  const reveal = opts.reveal;
  const services = servicesNamed(config, opts.services);
  const resolved = await resolveWith(ctx, services);
  if (ctx.globals.json) {
    printJson(ctx, showJson(resolved, reveal));
    return 0;
  }
  const rows = [["SERVICE", "FIELD", "VARIABLE", "VALUE", "SOURCE"]];
  for (const fields of Object.values(resolved)) {
    for (const f of Object.values(fields)) {
      rows.push([
        f.service,
        f.field,
        f.variable,
        displayValue(f.secret, f.value, reveal) ?? "(missing)",
        f.source ?? "-",
      ]);
    }
  }
  ctx.io.out(renderTable(rows));
  return 0;
}

/** The `show` command. */
export const showCommand: Command = {
  name: "show",
  summary: "show fields, masked, with the source of each value",
  usage: `Usage: credkit show [service...] [--reveal] [--json]

Shows each field of the named services (all when none is named): its variable,
its value masked (at most the last 4 characters of a secret), and where it came
from: env, a store (${BACKEND_NAMES.join(", ")}), default, or missing.

Examples:
  credkit show huggingface
  credkit show --json`,
  options: { reveal: { type: "boolean" } },
  run: (ctx, args) => runShow(ctx, parseShowOptions(args)),
};
