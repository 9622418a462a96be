/**
 * `credkit trust [PATH] | --list | --revoke PATH`: trust a project credkit.json
 * (and the tool manifests beside it) so that credkit may send credentials
 * where it says.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { listTrusted, revokeProject, trustProject } from "../config/trust_manage.ts";
import { optBool, optString, printJson, renderTable } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/**
 * Runs `trust`: trust a project config, or `--list`, or `--revoke PATH`.
 *
 * @example
 * ```ts
 * await runTrust(ctx, { values: { list: true }, positionals: [], rest: [] });
 * ```
 */
export async function runTrust(ctx: Context, args: ParsedArgs): Promise<number> {
  const t = { cwd: ctx.cwd, env: ctx.env, stateDir: ctx.stateDir, clock: ctx.clock };
  const list = optBool(args, "list");
  const revoke = optString(args, "revoke");
  if (args.positionals.length > 1 || (list || revoke !== undefined) && args.positionals.length) {
    throw usageError(
      "Invalid arguments for trust",
      "expected at most one PATH, or --list, or --revoke PATH",
      "see credkit trust --help",
    );
  }
  if (list && revoke !== undefined) {
    throw usageError("Invalid options for trust", "--list and --revoke exclude each other");
  }
  if (list) {
    const rows = listTrusted(t);
    if (ctx.globals.json) {
      printJson(ctx, { trusted: rows });
    } else if (rows.length === 0) {
      ctx.io.out("no trusted project configs\n");
    } else {
      ctx.io.out(renderTable([
        ["PATH", "STATUS", "SHA-256", "TRUSTED"],
        ...rows.map((r) => [r.path, r.status, r.sha256?.slice(0, 16) ?? "-", r.trustedAt ?? "-"]),
      ]));
    }
    return 0;
  }
  if (revoke !== undefined) {
    const path = revokeProject(revoke, t);
    if (ctx.globals.json) printJson(ctx, { revoked: path });
    else ctx.io.out(`no longer trusted: ${path}\n`);
    return 0;
  }
  const record = await trustProject(args.positionals[0], t);
  if (ctx.globals.json) printJson(ctx, record);
  else ctx.io.out(`trusted ${record.path} (sha256 ${record.sha256})\n`);
  return 0;
}

/** The `trust` command. */
export const trustCommand: Command = {
  name: "trust",
  summary: "trust a project credkit.json that sends credentials (auth, tools); list, revoke",
  usage: `Usage: credkit trust [PATH]
       credkit trust --list
       credkit trust --revoke PATH

A project credkit.json found from the working directory up (never in or above
$HOME) that declares a service with "auth", or has tool manifests in
.credkit/tools/ beside it, would make credkit send credentials where it says:
credkit uses it only once you trusted it. Trust records the file's real path
and the SHA-256 of it and its manifests; any change must be trusted again.
PATH is a credkit.json or its directory (default: the one found from here).
--config PATH and CREDKIT_TRUSTED_CONFIG_PATHS (colon-separated, for CI) trust
without a record.

Options:
  --list           trusted configs and whether they changed since
  --revoke PATH    forget a trusted config

Example:
  cat credkit.json .credkit/tools/*.json   # review what it declares
  credkit trust                            # trusted /work/p/credkit.json (sha256 …)`,
  options: {
    list: { type: "boolean" },
    revoke: { type: "string" },
  },
  run: runTrust,
};
