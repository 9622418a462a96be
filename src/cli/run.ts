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
import { fillArgSecrets, splitEnvPlaceholders } from "../arg_secrets.ts";
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
  /** The child's complete environment. */
  env: Record<string, string>;
  /** Secret values to mask in its output. */
  secrets: string[];
  /** The resolved credentials, by service and field. */
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

/** The options of `credkit run`, parsed once. */
export interface RunOptions {
  /** The command and its arguments (after `--`). */
  argv: string[];
  /** `--only svc,…`: the services whose credentials the child gets (all when empty). */
  only: string[];
  /** `--require svc,…`: services whose missing variables fail with exit 3 first. */
  require: string[];
  /** How the child's output is relayed: masked, as MCP messages, or inherited. */
  mode: RunMode;
  /** `--env-file F`: a .env file read below the real environment. */
  envFile?: string;
  /** `--arg-secrets`: fill `{{credkit:VAR}}` placeholders in the arguments. */
  argSecrets: boolean;
}

/**
 * Parses `run`'s arguments; exit 2 when no command is given or when `--mcp`
 * and `--no-mask` are both given.
 *
 * @example
 * ```ts
 * parseRunOptions({ values: { mcp: true }, positionals: [], rest: ["node", "server.js"] }).mode; // "mcp"
 * ```
 */
export function parseRunOptions(args: ParsedArgs): RunOptions {
  const argv = args.rest.length ? args.rest : args.positionals;
  if (argv.length === 0) {
    throw usageError("Nothing to run", "give the command after --", "e.g. credkit run -- npm test");
  }
  const mcp = optBool(args, "mcp");
  const noMask = optBool(args, "no-mask");
  if (mcp && noMask) {
    throw usageError(
      "Conflicting options",
      "--mcp masks JSON-RPC messages; --no-mask turns masking off",
    );
  }
  return {
    argv,
    only: optList(args, "only"),
    require: optList(args, "require"),
    mode: noMask ? "inherit" : mcp ? "mcp" : "mask",
    envFile: optString(args, "env-file"),
    argSecrets: optBool(args, "arg-secrets"),
  };
}

/**
 * Runs `run`: resolves the credentials, then starts the command and returns
 * its exit code.
 *
 * @example
 * ```ts
 * const code = await runRun(ctx, parseRunOptions(args));
 * ```
 */
export async function runRun(ctx: Context, opts: RunOptions): Promise<number> {
  const config = await ctx.config();
  const required = opts.require.length > 0 ? servicesNamed(config, opts.require) : [];
  const services = opts.only.length
    ? servicesNamed(config, opts.only)
    : Object.values(config.services);
  const held = opts.argSecrets ? splitEnvPlaceholders(ctx.env) : undefined;
  const runCtx = held ? { ...ctx, env: held.env } : ctx;
  const plan = await planRun(runCtx, services, required, opts.envFile);
  const filled = held
    ? fillArgSecrets(
      opts.argv.slice(1),
      toEnvironment(plan.resolved),
      plan.env,
      held.env,
      held.names,
    )
    : { args: opts.argv.slice(1), env: plan.env };
  return await runChild({
    command: opts.argv[0],
    args: filled.args,
    env: filled.env,
    secrets: plan.secrets,
    mode: opts.mode,
    cwd: ctx.cwd,
    spawn: ctx.spawn,
  });
}

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "start a command or MCP server with its credentials, output masked",
  usage: `Usage: credkit run [--only svc,...] [--require svc,...] [--mcp] [--no-mask]
                   [--env-file F] [--arg-secrets] -- CMD [ARGS...]

Starts CMD with the resolved environment (env > keychain > file) of all services,
or of --only ones. credkit writes nothing to stdout; signals are forwarded to the
child's process group; the exit code is the child's (128+N for signal N, 127 not
found, 126 not executable). Secrets in the child's output are replaced by ****.
  --require   exit 3 listing missing variables before starting anything
  --mcp       MCP stdio server: mask inside JSON-RPC messages, one message at a time
  --no-mask   give the child credkit's own stdio (no pipes, no masking)
  --env-file  also read variables from a .env file (the real environment wins)
  --arg-secrets  fill {{credkit:VAR}} in ARGS (and in variables set to it) from credential VAR

Examples:
  credkit run --require huggingface -- pytest tests/
  credkit run --mcp --only github -- npx -y @modelcontextprotocol/server-github`,
  options: {
    only: { type: "string", multiple: true },
    require: { type: "string", multiple: true },
    mcp: { type: "boolean" },
    "no-mask": { type: "boolean" },
    "env-file": { type: "string" },
    "arg-secrets": { type: "boolean" },
  },
  run: (ctx, args) => runRun(ctx, parseRunOptions(args)),
};
