/**
 * `credkit list`: services, which stores hold them, and whether they are complete.
 *
 * @module
 */
import type { SecretBackend } from "../store/backend.ts";
import { skippedWhenUnreachable } from "../store/registry.ts";
import { printJson, renderTable, resolveWith } from "./common.ts";
import type { Command, Context } from "./context.ts";

/** Runs `list`. */
export async function runList(ctx: Context): Promise<number> {
  const config = await ctx.config();
  const read = await ctx.stores.readable();
  // Stores present but not read (a pass store without --store pass): names only.
  const unread = await ctx.stores.unread();
  const stores = [...read, ...unread];
  const held = new Map<SecretBackend, Set<string>>();
  for (const s of stores) {
    try {
      held.set(s, new Set(await s.list()));
    } catch (err) {
      if (read.includes(s) && !skippedWhenUnreachable(s.name)) throw err;
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
      unread: unread.filter((s) => held.get(s)?.has(name)).map((s) => s.name),
    };
  });
  const undeclared = read.flatMap((s) =>
    [...(held.get(s) ?? [])].filter((n) => !Object.hasOwn(config.services, n))
  );
  if (ctx.globals.json) {
    // `unread`: stores that hold the service but are not read without --store.
    const services = rows.map(({ unread, ...row }) => unread.length ? { ...row, unread } : row);
    printJson(ctx, { services, undeclared: [...new Set(undeclared)] });
    return 0;
  }
  const table = [["SERVICE", "STORES", "STATUS"]];
  for (const r of rows) {
    const where = [...r.stores, ...(r.env ? ["env"] : [])].join(",") || "-";
    const status = r.complete ? "complete" : `missing ${r.missing.join(" ")}`;
    const hint = r.unread.map((n) => ` (${n}: read with --store ${n})`).join("");
    table.push([r.service, where, status + (r.complete ? "" : hint)]);
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
