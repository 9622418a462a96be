/**
 * `credkit run -- CMD ARGS…`: start any command (an MCP server, a test suite)
 * with its credentials in the environment, secrets masked in its output.
 *
 * @module
 */
import * as fs from "node:fs";
import type { ServiceDef } from "../catalog.ts";
import { CredkitError, usageError } from "../errors.ts";
import { describeFsError } from "../fs_errors.ts";
import { parseDotenv } from "../format/dotenv.ts";
import { missingVariables, type ResolvedService, secretValues, toEnvironment } from "../resolve.ts";
import { runChild, type RunMode } from "../process/run_child.ts";
import { authTokenResolver } from "../auth/context_store.ts";
import { optBool, optList, optString, resolveWith, servicesNamed } from "./common.ts";
import type { Command, Context, ParsedArgs } from "./context.ts";

/** The variables of `--env-file F`, read as a .env file. */
function readEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new CredkitError("error", `Cannot read env file ${path}`, describeFsError(err));
  }
  return parseDotenv(text);
}

/** What `run` will start the child with. */
export interface RunPlan {
  env: Record<string, string>;
  secrets: string[];
  resolved: Record<string, ResolvedService>;
}

/**
 * Resolves the child's environment: credkit's own environment (plus
 * `--env-file` variables below it), with every resolved credential added.
 * Throws exit 3 listing the missing variables of `required` services.
 */
export async function planRun(
  ctx: Context,
  services: ServiceDef[],
  required: ServiceDef[],
  envFile?: string,
): Promise<RunPlan> {
  const base: Record<string, string | undefined> = {
    ...(envFile ? readEnvFile(envFile) : {}),
    ...ctx.env,
  };
  const scoped: Context = { ...ctx, env: base };
  const all = [...services, ...required.filter((r) => !services.includes(r))];
  const resolved = await resolveWith(scoped, all, authTokenResolver(ctx));
  const missing = missingVariables(
    Object.fromEntries(required.map((s) => [s.name, resolved[s.name]])),
  );
  if (missing.length) {
    throw new CredkitError(
      "missing",
      "Missing credentials",
      missing.join(", "),
      `add them with credkit add ${
        required.filter((s) => missingVariables({ [s.name]: resolved[s.name] }).length).map((s) =>
          s.name
        ).join(" / ")
      }`,
    );
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  Object.assign(env, toEnvironment(resolved));
  return { env, secrets: secretValues(resolved), resolved };
}

/** Runs `run`. */
export async function runRun(ctx: Context, args: ParsedArgs): Promise<number> {
  const argv = args.rest.length ? args.rest : args.positionals;
  if (argv.length === 0) {
    throw usageError("Nothing to run", "give the command after --", "e.g. credkit run -- npm test");
  }
  if (optBool(args, "mcp") && optBool(args, "no-mask")) {
    throw usageError(
      "Conflicting options",
      "--mcp masks JSON-RPC messages; --no-mask turns masking off",
    );
  }
  const config = await ctx.config();
  const only = optList(args, "only");
  const required = servicesNamed(config, optList(args, "require")).filter(() =>
    optList(args, "require").length > 0
  );
  const services = only.length ? servicesNamed(config, only) : Object.values(config.services);
  const plan = await planRun(ctx, services, required, optString(args, "env-file"));
  const mode: RunMode = optBool(args, "no-mask")
    ? "inherit"
    : optBool(args, "mcp")
    ? "mcp"
    : "mask";
  return await runChild({
    command: argv[0],
    args: argv.slice(1),
    env: plan.env,
    secrets: plan.secrets,
    mode,
    cwd: ctx.cwd,
    spawn: ctx.spawn,
  });
}

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "start a command or MCP server with its credentials, output masked",
  usage: `Usage: credkit run [--only svc,...] [--require svc,...] [--mcp] [--no-mask]
                   [--env-file F] -- CMD [ARGS...]

Starts CMD with the resolved environment (env > keychain > file) of all services,
or of --only ones. credkit writes nothing to stdout; signals are forwarded to the
child's process group; the exit code is the child's (128+N for signal N, 127 not
found, 126 not executable). Secrets in the child's output are replaced by ****.
  --require   exit 3 listing missing variables before starting anything
  --mcp       MCP stdio server: mask inside JSON-RPC messages, one message at a time
  --no-mask   give the child credkit's own stdio (no pipes, no masking)
  --env-file  also read variables from a .env file (the real environment wins)

Examples:
  credkit run --require huggingface -- pytest tests/
  credkit run --mcp --only github -- npx -y @modelcontextprotocol/server-github`,
  options: {
    only: { type: "string", multiple: true },
    require: { type: "string", multiple: true },
    mcp: { type: "boolean" },
    "no-mask": { type: "boolean" },
    "env-file": { type: "string" },
  },
  run: runRun,
};
