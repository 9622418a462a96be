/**
 * The plan for one server entry of a client file: which secrets move (from
 * `env`, `args`, remote `headers` and URL query keys), what is only warned
 * about, and the edits that rewrite the entry. Pure: reads nothing, writes
 * nothing.
 *
 * A stdio server becomes `<bin> run --mcp --only S --require S
 * --arg-secrets -- <command> <args…>`, each secret replaced by a
 * `{{credkit:VAR}}` placeholder (in `env` and in `args`); a remote server with secret headers
 * or URL keys becomes the stdio server `<bin> mcp connect <url> --service S
 * --header 'Name: ${VAR}'…`.
 *
 * @module
 */
import { argSecretPlaceholder, hasArgSecretPlaceholder } from "../../arg_secrets.ts";
import { type MovedSecret, rewriteArgs, uniqueVariable, variableName } from "./args.ts";
import type { ClientName, Scope } from "./clients.ts";
import type { JsonPath } from "./jsonc.ts";
import {
  isPlainValue,
  isReference,
  isSecret,
  isSecretName,
  looksLikeSecret,
  urlSecretParts,
} from "./secrets.ts";

/** What happens to a server. */
export type ServerStatus = "moved" | "warned" | "untouched";

/** How a server entry is planned. */
export interface PlanContext {
  /** The client whose file holds the entry. */
  client: ClientName;
  /** Whether the file is a user's or a shared project's. */
  scope: Scope;
  /** The credkit service that receives this server's secrets. */
  service: string;
  /** The credkit command written into the entry. */
  bin: string;
  /** Extra `credkit run` options (e.g. `--file F` in per-user files). */
  runExtra: string[];
  /** Whether the catalog says variable `v` is secret (undefined: unknown). */
  knownSecret: (variable: string) => boolean | undefined;
}

/** The plan for one server. */
export interface ServerPlan {
  /** The server's name in the client file. */
  server: string;
  /** Where its entry sits, e.g. `mcpServers` or `projects["/p"].mcpServers`. */
  location: string;
  /** What happens to it. */
  status: ServerStatus;
  /** The credkit service that receives its secrets (when any moved). */
  service?: string;
  /** Places moved and the variables that hold them now (no values). */
  moved: { place: string; variable: string }[];
  /** Secrets found and not moved, and other things to look at (no values). */
  warnings: string[];
  /** Edits relative to the entry. */
  edits: { path: JsonPath; value: unknown }[];
  /** The moved secrets, with their values (never printed). */
  secrets: MovedSecret[];
  /** Secret values found and left in place (for masking only). */
  leftover: string[];
  /** The entry's command line after the rewrite (no secret in it). */
  command?: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Whether an entry already starts through credkit (`credkit run …` or
 * `credkit mcp connect …`).
 *
 * @example
 * ```ts
 * isWrapped({ command: "/usr/local/bin/credkit", args: ["run", "--mcp", "--", "npx", "x"] }); // true
 * ```
 */
export function isWrapped(entry: Record<string, unknown>): boolean {
  const command = typeof entry.command === "string" ? entry.command : "";
  const args = Array.isArray(entry.args) ? entry.args : [];
  const base = command.replace(/\\/g, "/").split("/").pop() ?? "";
  return /^credkit(\.exe)?$/i.test(base) &&
    (args[0] === "run" || (args[0] === "mcp" && args[1] === "connect"));
}

/**
 * How `${VAR}` (read by `credkit mcp connect`) is written in the client's
 * args. Claude Code expands `${VAR}` and `${VAR:-default}` in `.mcp.json` and
 * `~/.claude.json` (an unset `${VAR}` is an error), so there it is written
 * `${CREDKIT_DOLLAR:-$}{VAR}`, which Claude Code expands to `${VAR}`.
 *
 * @example
 * ```ts
 * connectVariable("cursor", "AUTHORIZATION"); // "${AUTHORIZATION}"
 * connectVariable("claude-code", "AUTHORIZATION"); // "${CREDKIT_DOLLAR:-$}{AUTHORIZATION}"
 * ```
 */
export function connectVariable(client: ClientName, variable: string): string {
  return client === "claude-code" ? `\${CREDKIT_DOLLAR:-$}{${variable}}` : `\${${variable}}`;
}

function envSecrets(
  env: Record<string, unknown>,
  ctx: PlanContext,
  plan: ServerPlan,
  taken: Set<string>,
): MovedSecret[] {
  const moved: MovedSecret[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (typeof v !== "string" || !isSecret(k, v, ctx.knownSecret(k))) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      plan.warnings.push(
        `env "${k}" looks like a secret but is not a valid variable name; left in place`,
      );
      plan.leftover.push(v);
      continue;
    }
    taken.add(k);
    moved.push({ place: `env.${k}`, variable: k, value: v });
  }
  return moved;
}

function planStdio(entry: Record<string, unknown>, ctx: PlanContext, plan: ServerPlan): void {
  const env = isObject(entry.env) ? entry.env : {};
  const args = Array.isArray(entry.args) ? entry.args : [];
  const taken = new Set<string>(Object.keys(env));
  const fromEnv = envSecrets(env, ctx, plan, taken);
  let newArgs: unknown[] = args;
  let fromArgs: MovedSecret[] = [];
  if (args.some((a) => typeof a === "string" && hasArgSecretPlaceholder(a))) {
    plan.warnings.push("args already hold {{credkit:…}} text; args left as they are");
    for (const a of args) if (typeof a === "string" && looksLikeSecret(a)) plan.leftover.push(a);
  } else {
    const r = rewriteArgs(args, taken);
    newArgs = r.args;
    fromArgs = r.moved;
  }
  plan.secrets = [...fromEnv, ...fromArgs];
  if (!plan.secrets.length) return;
  const runArgs = [
    "run",
    "--mcp",
    "--only",
    ctx.service,
    "--require",
    ctx.service,
    "--arg-secrets",
    ...ctx.runExtra,
    "--",
    entry.command as string,
    ...newArgs,
  ];
  plan.edits.push({ path: ["command"], value: ctx.bin }, { path: ["args"], value: runArgs });
  // The variable stays, as a placeholder: the entry's value still wins over the client's environment.
  for (const s of fromEnv) {
    plan.edits.push({ path: ["env", s.variable], value: argSecretPlaceholder(s.variable) });
  }
  plan.command = [ctx.bin, ...runArgs.map(String)];
}

function headerSecret(name: string, value: string): { head: string; secret: string } | undefined {
  if (isReference(value)) return undefined;
  const scheme = /^(Bearer|Basic|Token|Bot|Key)(\s+)(\S.*)$/i.exec(value);
  const head = scheme ? scheme[1] + scheme[2] : "";
  const secret = scheme ? scheme[3] : value;
  const named = isSecretName(name) || /^authorization$/i.test(name);
  if ((named && !isPlainValue(secret)) || looksLikeSecret(secret)) return { head, secret };
  return undefined;
}

function planRemote(entry: Record<string, unknown>, ctx: PlanContext, plan: ServerPlan): void {
  const urlKey = typeof entry.url === "string" ? "url" : "serverUrl";
  const url = typeof entry[urlKey] === "string" ? entry[urlKey] as string : "";
  const headers = isObject(entry.headers) ? entry.headers : {};
  const taken = new Set<string>();
  const moved: MovedSecret[] = [];
  const headerArgs: string[] = [];
  for (const [h, v] of Object.entries(headers)) {
    if (typeof v !== "string") continue;
    const found = headerSecret(h, v);
    if (!found) {
      headerArgs.push("--header", `${h}: ${v}`);
      continue;
    }
    const variable = uniqueVariable(variableName(h, "MCP_HEADER_"), taken);
    moved.push({ place: `headers.${h}`, variable, value: found.secret });
    headerArgs.push("--header", `${h}: ${found.head}${connectVariable(ctx.client, variable)}`);
  }
  const parts = urlSecretParts(url);
  for (const p of parts.filter((p) => p.place === "password")) {
    plan.warnings.push(`${urlKey} holds a password; not moved (put it in a header)`);
    plan.leftover.push(p.value);
  }
  let newUrl: string | undefined = url;
  if (parts.some((p) => p.place !== "password")) {
    const queryMoved: MovedSecret[] = [];
    const withoutPassword = parts.filter((p) => p.place !== "password");
    let out = url;
    for (const p of [...withoutPassword].reverse()) {
      const variable = uniqueVariable(variableName(p.key, "MCP_QUERY_"), taken);
      queryMoved.unshift({ place: `${urlKey} (URL ${p.place})`, variable, value: p.value });
      out = out.slice(0, p.start) + connectVariable(ctx.client, variable) +
        out.slice(p.start + p.length);
    }
    moved.push(...queryMoved);
    newUrl = out;
  }
  if (!moved.length) return;
  plan.secrets = moved;
  const args = ["mcp", "connect", newUrl, "--service", ctx.service, ...headerArgs];
  // Added first, then the remote keys removed: each removal then takes only its own text.
  plan.edits.push({ path: ["command"], value: ctx.bin }, { path: ["args"], value: args });
  for (const k of ["url", "serverUrl", "headers"]) {
    if (k in entry) plan.edits.push({ path: [k], value: undefined });
  }
  if ("type" in entry) plan.edits.push({ path: ["type"], value: "stdio" });
  plan.command = [ctx.bin, ...args];
}

const KNOWN_FIELDS = new Set(["command", "args", "env", "url", "serverUrl", "headers", "type"]);

/** Secrets in fields credkit does not rewrite (`"apiKey": …`, `"auth": {"token": …}`): named, not moved. */
function warnOtherFields(entry: Record<string, unknown>, plan: ServerPlan): void {
  const visit = (value: unknown, name: string, place: string, depth: number) => {
    if (typeof value === "string" && isSecret(name, value)) {
      plan.warnings.push(
        `${place} looks like a secret; not moved (credkit rewrites env, args, headers and URLs)`,
      );
      plan.leftover.push(value);
    } else if (isObject(value) && depth < 3) {
      for (const [k, v] of Object.entries(value)) visit(v, k, `${place}.${k}`, depth + 1);
    }
  };
  for (const [k, v] of Object.entries(entry)) if (!KNOWN_FIELDS.has(k)) visit(v, k, k, 0);
}

/**
 * Plans one server entry.
 *
 * @example
 * ```ts
 * const plan = planServer("github", "mcpServers", entry, {
 *   client: "cursor", scope: "user", service: "mcp-cursor-github", bin: "/usr/local/bin/credkit",
 *   runExtra: [], knownSecret: () => undefined,
 * });
 * plan.moved; // [{ place: "env.GITHUB_PERSONAL_ACCESS_TOKEN", variable: "GITHUB_PERSONAL_ACCESS_TOKEN" }]
 * ```
 */
export function planServer(
  server: string,
  location: string,
  entry: unknown,
  ctx: PlanContext,
): ServerPlan {
  const plan: ServerPlan = {
    server,
    location,
    status: "untouched",
    moved: [],
    warnings: [],
    edits: [],
    secrets: [],
    leftover: [],
  };
  if (!isObject(entry)) return plan;
  if (isWrapped(entry)) {
    const env = isObject(entry.env) ? entry.env : {};
    for (const [k, v] of Object.entries(env)) {
      if (typeof v === "string" && isSecret(k, v, ctx.knownSecret(k))) {
        plan.warnings.push(`env.${k} looks like a secret and is still in the file`);
        plan.leftover.push(v);
      }
    }
  } else if (typeof entry.command === "string" && entry.command) {
    planStdio(entry, ctx, plan);
  } else if (
    typeof entry.url === "string" || typeof entry.serverUrl === "string" ||
    entry.type === "http" || entry.type === "sse"
  ) {
    planRemote(entry, ctx, plan);
  }
  warnOtherFields(entry, plan);
  plan.moved = plan.secrets.map(({ place, variable }) => ({ place, variable }));
  if (plan.secrets.length) plan.service = ctx.service;
  plan.status = plan.secrets.length ? "moved" : plan.warnings.length ? "warned" : "untouched";
  return plan;
}
