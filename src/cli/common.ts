/**
 * Small helpers shared by the command modules.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import type { LoadedConfig } from "../config.ts";
import { usageError } from "../errors.ts";
import { type ResolvedService, resolveServices } from "../resolve.ts";
import type { Context, ParsedArgs } from "./context.ts";

/** A string option's value. */
export function optString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

/** A repeatable string option's values. */
export function optStrings(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
}

/** A boolean option. */
export function optBool(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** A comma-separated list option (`--only a,b --only c`). */
export function optList(args: ParsedArgs, name: string): string[] {
  return optStrings(args, name).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
}

const SERVICE_NAME_SHAPE = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/**
 * The service named `name`, or a usage error listing the known ones.
 *
 * @example
 * ```ts
 * const aws = serviceNamed(config, "aws");
 * ```
 */
export function serviceNamed(config: LoadedConfig, name: string | undefined): ServiceDef {
  if (!name) {
    throw usageError(
      "Missing service",
      "name a service",
      `known: ${Object.keys(config.services).join(", ")}`,
    );
  }
  const svc = Object.hasOwn(config.services, name) ? config.services[name] : undefined;
  if (!svc) {
    throw usageError(
      // A mistyped secret must not be echoed: only a name-shaped argument is quoted.
      SERVICE_NAME_SHAPE.test(name) ? `Unknown service "${name}"` : "Unknown service",
      `known services are ${Object.keys(config.services).join(", ")}`,
      'declare it in credkit.json under "services"',
    );
  }
  return svc;
}

/** Services by name (all when `names` is empty). */
export function servicesNamed(config: LoadedConfig, names: string[]): ServiceDef[] {
  if (names.length === 0) return Object.values(config.services);
  return names.map((n) => serviceNamed(config, n));
}

/** Prints a note on stderr unless `-q`. */
export function note(ctx: Context, message: string): void {
  if (!ctx.globals.quiet) ctx.io.err(message.endsWith("\n") ? message : message + "\n");
}

/**
 * Resolves services with the context's stores (env > keychain > file); an
 * unreachable keychain is reported once and skipped.
 */
export async function resolveWith(
  ctx: Context,
  services: ServiceDef[],
  authToken?: (service: ServiceDef) => Promise<string | undefined>,
): Promise<Record<string, ResolvedService>> {
  const stores = await ctx.stores.readable();
  return await resolveServices(services, {
    env: ctx.env,
    stores,
    authToken,
    onStoreError: (store, error) => {
      if (!ctx.globals.quiet) ctx.io.err(`credkit: ${store.name} skipped: ${error.why}\n`);
    },
  });
}

/**
 * Renders rows as an aligned plain-text table.
 *
 * @example
 * ```ts
 * renderTable([["a", "b"], ["ccc", "d"]]); // "a    b\nccc  d\n"
 * ```
 */
export function renderTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) =>
    row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()
  )
    .join("\n") + "\n";
}

/** Prints JSON on stdout. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.io.out(JSON.stringify(value, null, 2) + "\n");
}
