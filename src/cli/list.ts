/**
 * `credkit list`: services, which stores hold them, and whether they are complete.
 *
 * @module
 */
import type { SecretBackend } from "../store/backend.ts";
import { printJson, renderTable, resolveWith } from "./common.ts";
import type { Command, Context } from "./context.ts";

/** Runs `list`. */
export async function runList(ctx: Context): Promise<number> {
  const config = await ctx.config();
  const stores = await ctx.stores.readable();
  const held = new Map<SecretBackend, Set<string>>();
  for (const s of stores) {
    try {
      held.set(s, new Set(await s.list()));
    } catch (err) {
      if (s.name === "file") throw err;
      held.set(s, new Set());
    }
  }
  const resolved = await resolveWith(ctx, Object.values(config.services));
  const rows = Object.entries(resolved).map(([name, fields]) => {
    const values = Object.values(fields);
    const missing = values.filter((f) => f.value === undefined).map((f) => f.variable);
    return {
      service: name,
      stores: stores.filter((s) => held.get(s)?.has(name)).map((s) => s.name),
      env: values.some((f) => f.source === "env"),
      complete: missing.length === 0,
      missing,
    };
  });
  const undeclared = stores.flatMap((s) =>
    [...(held.get(s) ?? [])].filter((n) => !Object.hasOwn(config.services, n))
  );
  if (ctx.globals.json) {
    printJson(ctx, { services: rows, undeclared: [...new Set(undeclared)] });
    return 0;
  }
  const table = [["SERVICE", "STORES", "STATUS"]];
  for (const r of rows) {
    const where = [...r.stores, ...(r.env ? ["env"] : [])].join(",") || "-";
    table.push([r.service, where, r.complete ? "complete" : `missing ${r.missing.join(" ")}`]);
  }
  for (const n of new Set(undeclared)) table.push([n, "stored", "not declared in credkit.json"]);
  ctx.io.out(renderTable(table));
  return 0;
}

/** The `list` command. */
export const listCommand: Command = {
  name: "list",
  summary: "list services, the stores holding them, and missing fields",
  usage: `Usage: credkit list [--json]

Example:
  credkit list`,
  options: {},
  maxPositionals: 0,
  run: (ctx) => runList(ctx),
};
