/**
 * `credkit export --format dotenv|shell|json|github`: resolved variables in a
 * file format, written to a new 0600 file, stdout, or `$GITHUB_ENV`.
 *
 * @module
 */
import { lstatSync } from "node:fs";
import { CredkitError, usageError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { appendFileNoFollow, isSymlink, writeFileAtomic, writeFileExclusive } from "../fs_write.ts";
import { formatFor } from "../format/mod.ts";
import type { ResolvedService } from "../resolve.ts";
import { note, optBool, optList, optString, resolveWith, servicesNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** One exported variable. */
export interface ExportVar {
  name: string;
  value: string;
  secret: boolean;
}

/** Every variable of every resolved field that has a value, in catalog order. */
export function exportVars(resolved: Record<string, ResolvedService>): ExportVar[] {
  const out: ExportVar[] = [];
  const seen = new Set<string>();
  for (const fields of Object.values(resolved)) {
    for (const f of Object.values(fields)) {
      if (f.value === undefined) continue;
      for (const name of f.variables) {
        if (seen.has(name)) continue;
        seen.add(name);
        out.push({ name, value: f.value, secret: f.secret });
      }
    }
  }
  return out;
}

function refuseSymlink(path: string): void {
  if (isSymlink(path)) {
    throw new CredkitError(
      "error",
      `Refusing to write ${path}`,
      "it is a symbolic link (credkit never writes through one)",
      "name the real file",
    );
  }
}

function refuseExisting(path: string): never {
  throw new CredkitError(
    "error",
    `Refusing to overwrite ${path}`,
    "the file exists",
    "use --force to replace it",
  );
}

/**
 * Writes `text` to a new file created with mode 0600 (never chmod'ed after
 * the fact). Refuses to overwrite unless `force`, which replaces the file
 * atomically through a 0600 temporary file; never writes through a symbolic link.
 */
export function writeNewPrivateFile(path: string, text: string, force: boolean): void {
  refuseSymlink(path);
  try {
    if (force) writeFileAtomic(path, text, 0o600);
    else writeFileExclusive(path, text, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST" && !force) refuseExisting(path);
    throw new CredkitError("error", `Cannot write ${path}`, describeFsError(err));
  }
}

/**
 * Appends to the GitHub Actions environment file: never through a symbolic
 * link; an explicit `--output` that exists needs `force`.
 */
function appendPrivate(path: string, text: string, explicit: boolean, force: boolean): void {
  refuseSymlink(path);
  if (explicit && !force && exists(path)) refuseExisting(path);
  try {
    appendFileNoFollow(path, text, 0o600);
  } catch (err) {
    throw new CredkitError("error", `Cannot append to ${path}`, describeFsError(err));
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The options of `credkit export`, parsed once. */
export interface ExportOptions {
  /** `--format`. @default "dotenv" */
  format: string;
  /** Services to export (positionals and `--only`); all when empty. */
  services: string[];
  /** `--output FILE`; stdout (or `$GITHUB_ENV` for `github`) when absent. */
  output?: string;
  /** `--force`: replace an existing output file. */
  force: boolean;
}

/**
 * Parses `export`'s arguments.
 *
 * @example
 * ```ts
 * parseExportOptions({ values: { format: "shell" }, positionals: [], rest: [] });
 * ```
 */
export function parseExportOptions(args: ParsedArgs): ExportOptions {
  return {
    format: optString(args, "format") ?? "dotenv",
    services: [...optList(args, "only"), ...args.positionals],
    output: optString(args, "output"),
    force: optBool(args, "force"),
  };
}

/** Runs `export`. */
export async function runExport(ctx: Context, opts: ExportOptions): Promise<number> {
  const { format, output, force } = opts;
  const write = formatFor(format);
  const config = await ctx.config();
  const vars = exportVars(await resolveWith(ctx, servicesNamed(config, opts.services)));
  if (format === "github") {
    const target = output ?? ctx.env.GITHUB_ENV;
    if (!target) {
      throw usageError(
        "Cannot export for GitHub Actions",
        "GITHUB_ENV is not set",
        "run it inside a GitHub Actions step, or pass --output FILE",
      );
    }
    const { text, masks } = write(vars);
    // The file first: a refused target prints no ::add-mask:: line either.
    appendPrivate(target, text, output !== undefined, force);
    ctx.io.out(masks);
    note(ctx, `credkit: exported ${vars.length} variables to ${target}`);
    return 0;
  }
  const { text } = write(vars);
  if (!output || output === "-") {
    ctx.io.out(text);
    return 0;
  }
  writeNewPrivateFile(output, text, force);
  note(ctx, `credkit: exported ${vars.length} variables to ${output} (mode 0600)`);
  return 0;
}

/** The `export` command. */
export const exportCommand: Command = {
  name: "export",
  summary: "write variables as dotenv, shell, json, or to $GITHUB_ENV",
  usage: `Usage: credkit export [service...] --format dotenv|shell|json|github [--only svc,...]
                      [--output FILE] [--force]

Writes every resolved variable. --output creates FILE with mode 0600 and refuses
to overwrite it without --force; without --output it prints to stdout. Values
are quoted so that dotenv parsers and 'set -a; . FILE' give back the exact bytes.
--format github appends to $GITHUB_ENV and prints ::add-mask:: lines for secrets.

Examples:
  credkit export --format dotenv --output .env.local
  eval "$(credkit export --format shell --only aws)"
  credkit export --format github --only huggingface`,
  options: {
    format: { type: "string" },
    output: { type: "string", short: "o" },
    force: { type: "boolean" },
    only: { type: "string", multiple: true },
  },
  run: (ctx, args) => runExport(ctx, parseExportOptions(args)),
};
