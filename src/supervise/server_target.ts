/**
 * A server declared in credkit.json, looked up by name, with its
 * credentials resolved; the errors and the terminal offer that `server
 * start` and `server run` give when credentials are missing.
 *
 * @module
 */
import { resolve as resolvePath } from "node:path";
import type { ServiceDef } from "../catalog.ts";
import type { LoadedConfig, ServerDef } from "../config.ts";
import { CredkitError, usageError } from "../errors.ts";
import { missingVariables, type ResolvedService } from "../resolve.ts";
import { updateEntry } from "../store/backend.ts";
import { authTokenResolver } from "../auth/context_store.ts";
import { note, resolveWith, servicesNamed } from "../cli/common.ts";
import type { Context } from "../cli/context.ts";

/** A declared server with its config. */
export interface ServerTarget {
  /** The server's name in credkit.json. */
  name: string;
  /** Its declaration. */
  def: ServerDef;
  /** The configuration it was declared in. */
  config: LoadedConfig;
  /** Absolute working directory of the server. */
  cwd: string;
}

/**
 * The declared server `name`; exit 2 naming the known servers when it is
 * missing or unknown.
 *
 * @example
 * ```ts
 * const target = await serverTarget(ctx, "ipfs-mcp");
 * target.def.command; // "python3"
 * ```
 */
export async function serverTarget(ctx: Context, name: string | undefined): Promise<ServerTarget> {
  const config = await ctx.config();
  const known = Object.keys(config.servers);
  if (!name) {
    throw usageError(
      "Missing server name",
      known.length ? `known servers: ${known.join(", ")}` : "no servers are declared",
      'declare servers in credkit.json under "servers"',
    );
  }
  const def = config.servers[name];
  if (!def) {
    throw usageError(
      `Unknown server "${name}"`,
      known.length
        ? `known servers are ${known.join(", ")}`
        : `no servers are declared in ${config.path ?? "credkit.json"}`,
      'declare it in credkit.json under "servers"',
    );
  }
  return { name, def, config, cwd: resolvePath(config.baseDir, def.cwd ?? ".") };
}

function serverServices(target: ServerTarget): ServiceDef[] {
  return target.def.services.length ? servicesNamed(target.config, target.def.services) : [];
}

/**
 * Resolves the credentials of a server's services (access tokens included).
 *
 * @example
 * ```ts
 * const resolved = await resolveServer(ctx, await serverTarget(ctx, "ipfs-mcp"));
 * ```
 */
export async function resolveServer(
  ctx: Context,
  target: ServerTarget,
): Promise<Record<string, ResolvedService>> {
  return await resolveWith(ctx, serverServices(target), authTokenResolver(ctx));
}

/**
 * The exit-3 error listing a server's missing variables.
 *
 * @example
 * ```ts
 * throw missingError(target, resolved); // "credkit: Cannot start server mcp: missing HF_TOKEN ..."
 * ```
 */
export function missingError(
  target: ServerTarget,
  resolved: Record<string, ResolvedService>,
): CredkitError {
  const missing = missingVariables(resolved);
  const services = Object.entries(resolved)
    .filter(([, fields]) => Object.values(fields).some((f) => f.value === undefined))
    .map(([svc]) => svc);
  return new CredkitError(
    "missing",
    `Cannot start server ${target.name}`,
    `missing ${missing.join(", ")}`,
    `add them with credkit add ${services.join(" / credkit add ")}, or pass --allow-missing`,
  );
}

/**
 * On a terminal, offers to add the missing fields now; returns whether any
 * were stored.
 *
 * @example
 * ```ts
 * if (await offerToAdd(ctx, target, resolved)) resolved = await resolveServer(ctx, target);
 * ```
 */
export async function offerToAdd(
  ctx: Context,
  target: ServerTarget,
  resolved: Record<string, ResolvedService>,
): Promise<boolean> {
  const missing = missingVariables(resolved);
  ctx.io.err(`credkit: server ${target.name} needs ${missing.join(", ")}\n`);
  const answer = (await ctx.io.prompt("Add them now? [y/N] ")).trim().toLowerCase();
  if (answer !== "y" && answer !== "yes") return false;
  const store = await ctx.stores.writable();
  let stored = false;
  for (const [svc, fields] of Object.entries(resolved)) {
    const values: Record<string, string> = {};
    for (const f of Object.values(fields)) {
      if (f.value !== undefined) continue;
      const value = await ctx.io.prompt(`${svc} ${f.field} (${f.variable}): `, {
        hidden: f.secret,
      });
      if (value !== "") values[f.field] = value;
    }
    if (Object.keys(values).length === 0) continue;
    await updateEntry(store, svc, (cur) => ({ ...(cur ?? {}), ...values }));
    note(ctx, `credkit: stored ${svc} (${Object.keys(values).join(", ")}) in ${store.name}`);
    stored = true;
  }
  return stored;
}

/**
 * The environment credkit was started with, without unset variables.
 *
 * @example
 * ```ts
 * definedEnv({ A: "1", B: undefined }); // { A: "1" }
 * ```
 */
export function definedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
