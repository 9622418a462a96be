/**
 * `credkit import`: bring credentials in from the environment, an ipfs_kit
 * config.json or a .env file, or kiwi-mcp's keychain tokens.
 *
 * @module
 */
import * as fs from "node:fs";
import type { ServiceDef } from "../catalog.ts";
import { CredkitError, usageError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { parseDotenv } from "../format/dotenv.ts";
import { detectImportFormat, parseIpfsKitConfig } from "../format/ipfs_kit.ts";
import { updateEntry } from "../store/backend.ts";
import { fieldsFromEnv, validateFields } from "../credential_input.ts";
import { importKiwi } from "../auth/context_store.ts";
import { note, optBool, optList, optString, servicesNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** Fields per service found in a variables map (env or .env file). */
export function fieldsFromVariables(
  services: ServiceDef[],
  vars: Record<string, string | undefined>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of services) {
    const fields = fieldsFromEnv(s, vars);
    // A default alone is not worth storing.
    for (const [k, v] of Object.entries(fields)) if (s.fields[k].default === v) delete fields[k];
    if (Object.keys(fields).length) out[s.name] = fields;
  }
  return out;
}

function readSource(path: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new CredkitError("error", `Cannot read ${path}`, describeFsError(err));
  }
}

/** The options of `credkit import`, parsed once. */
export interface ImportOptions {
  /** `--from-env`. */
  fromEnv: boolean;
  /** `--from-file F`: an ipfs_kit config.json or a .env file. */
  fromFile?: string;
  /** `--from-kiwi`: kiwi-mcp's keychain tokens. */
  fromKiwi: boolean;
  /** `--only svc,…`; all services when empty. */
  only: string[];
}

/**
 * Parses `import`'s arguments.
 *
 * @example
 * ```ts
 * parseImportOptions({ values: { "from-env": true }, positionals: [], rest: [] });
 * ```
 */
export function parseImportOptions(args: ParsedArgs): ImportOptions {
  return {
    fromEnv: optBool(args, "from-env"),
    fromFile: optString(args, "from-file"),
    fromKiwi: optBool(args, "from-kiwi"),
    only: optList(args, "only"),
  };
}

/** Runs `import`. */
export async function runImport(ctx: Context, opts: ImportOptions): Promise<number> {
  const config = await ctx.config();
  const fromFile = opts.fromFile;
  const sources = [opts.fromEnv, fromFile !== undefined, opts.fromKiwi].filter(Boolean).length;
  if (sources !== 1) {
    throw usageError(
      "Nothing to import from",
      "give exactly one of --from-env, --from-file F, --from-kiwi",
    );
  }
  if (opts.fromKiwi) {
    const imported = await importKiwi(ctx);
    note(
      ctx,
      imported.length
        ? `credkit: imported tokens for ${imported.join(", ")}`
        : "credkit: no kiwi-mcp tokens found",
    );
    return 0;
  }
  const services = servicesNamed(config, opts.only);
  let found: Record<string, Record<string, string>>;
  let skipped: string[] = [];
  if (fromFile !== undefined) {
    const text = readSource(fromFile);
    if (detectImportFormat(fromFile, text) === "ipfs_kit") {
      let parsed: Record<string, Record<string, string>>;
      try {
        parsed = parseIpfsKitConfig(text);
      } catch (err) {
        throw new CredkitError("error", `Cannot import ${fromFile}`, (err as Error).message);
      }
      found = {};
      for (const [svc, fields] of Object.entries(parsed)) {
        const def = services.find((s) => s.name === svc);
        if (!def) {
          skipped.push(svc);
          continue;
        }
        const known = Object.fromEntries(
          Object.entries(fields).filter(([k, v]) => k in def.fields && v !== ""),
        );
        skipped.push(
          ...Object.keys(fields).filter((k) => !(k in def.fields)).map((k) => `${svc}.${k}`),
        );
        if (Object.keys(known).length) found[svc] = known;
      }
    } else {
      const vars = parseDotenv(text);
      found = fieldsFromVariables(services, vars);
      const used = new Set(services.flatMap((s) => Object.values(s.fields).flatMap((f) => f.env)));
      skipped = Object.keys(vars).filter((v) => !used.has(v));
    }
  } else {
    found = fieldsFromVariables(services, ctx.env);
  }
  if (Object.keys(found).length === 0) {
    note(ctx, "credkit: nothing to import");
    return 0;
  }
  const store = await ctx.stores.writable();
  for (const [svc, fields] of Object.entries(found)) {
    validateFields(config.services[svc], fields);
    await updateEntry(store, svc, (cur) => ({ ...(cur ?? {}), ...fields }));
  }
  note(
    ctx,
    `credkit: imported ${
      Object.entries(found).map(([s, f]) => `${s} (${Object.keys(f).join(", ")})`).join(", ")
    } into ${store.name}`,
  );
  if (skipped.length) {
    note(ctx, `credkit: skipped, not declared by any service: ${skipped.join(", ")}`);
  }
  return 0;
}

/** The `import` command. */
export const importCommand: Command = {
  name: "import",
  summary: "import from the environment, an ipfs_kit config.json / .env, or kiwi-mcp",
  usage: `Usage: credkit import --from-env | --from-file FILE | --from-kiwi [--only svc,...]

--from-env    every declared variable that is set (CI secret bootstrap)
--from-file   an ipfs_kit config.json ({"credentials": {...}}) or a .env file
--from-kiwi   tokens the kiwi-mcp AuthStore left in the keychain

Examples:
  credkit import --from-env --store file
  credkit import --from-file ~/.ipfs_kit/config.json`,
  options: {
    "from-env": { type: "boolean" },
    "from-file": { type: "string" },
    "from-kiwi": { type: "boolean" },
    only: { type: "string", multiple: true },
  },
  maxPositionals: 0,
  run: (ctx, args) => runImport(ctx, parseImportOptions(args)),
};
