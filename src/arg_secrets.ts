/**
 * Secrets inside a command's arguments: `credkit run --arg-secrets` replaces
 * each `{{credkit:VAR}}` in the arguments with the resolved credential `VAR`
 * just before starting the command. A variable of credkit's own environment
 * whose value is exactly `{{credkit:VAR}}` (as a client passes it from its
 * entry's `env`) is ignored when resolving, and gets the stored value: the
 * entry's value wins over the client's inherited environment, as before. No MCP client expands this syntax
 * (clients expand `${VAR}`, `${VAR:-d}`, `${env:VAR}`, `${input:id}`,
 * `${workspaceFolder}`, `${userHome}`), so a client file can hold the
 * placeholder and the server still receives the very same argv as before.
 *
 * A variable used in a placeholder reaches the command only through its
 * argument: it is not added to the command's environment (unless credkit's
 * own environment already had it).
 *
 * @module
 */
import { CredkitError } from "./errors.ts";

const PLACEHOLDER = /\{\{credkit:([A-Za-z_][A-Za-z0-9_]*)\}\}/g;

/**
 * The placeholder for variable `name`.
 *
 * @example
 * ```ts
 * argSecretPlaceholder("MCP_ARG_API_KEY"); // "{{credkit:MCP_ARG_API_KEY}}"
 * ```
 */
export function argSecretPlaceholder(name: string): string {
  return `{{credkit:${name}}}`;
}

/**
 * Whether `text` holds a placeholder (or something that would be read as one).
 *
 * @example
 * ```ts
 * hasArgSecretPlaceholder("--key={{credkit:K}}"); // true
 * ```
 */
export function hasArgSecretPlaceholder(text: string): boolean {
  return text.includes("{{credkit:");
}

/**
 * The variables named by placeholders in `args`, in order of appearance.
 *
 * @example
 * ```ts
 * argSecretNames(["-e", "T={{credkit:T}}"]); // ["T"]
 * ```
 */
export function argSecretNames(args: string[]): string[] {
  const names = new Set<string>();
  for (const a of args) for (const m of a.matchAll(PLACEHOLDER)) names.add(m[1]);
  return [...names];
}

/**
 * Splits credkit's environment: the variables whose value is exactly a
 * placeholder for themselves are taken out (they must come from the store).
 *
 * @example
 * ```ts
 * splitEnvPlaceholders({ T: "{{credkit:T}}", PATH: "/bin" }); // { env: { PATH: "/bin" }, names: ["T"] }
 * ```
 */
export function splitEnvPlaceholders(
  env: Record<string, string | undefined>,
): { env: Record<string, string | undefined>; names: string[] } {
  const out: Record<string, string | undefined> = {};
  const names: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (v === argSecretPlaceholder(k)) names.push(k);
    else out[k] = v;
  }
  return { env: out, names };
}

/**
 * Fills the placeholders of `args` from `credentials` (variable → value, as
 * resolved by credkit) and returns the arguments and the environment the
 * command gets: `env` without the placeholder variables that `baseEnv`
 * (credkit's own environment) did not have. Throws a `missing` error (exit
 * 3) naming the variables without a value (of `args`, and `required`:
 * the environment's placeholders).
 *
 * @example
 * ```ts
 * const r = fillArgSecrets(["--key={{credkit:K}}"], { K: "s3cret" }, { K: "s3cret", PATH: "/bin" }, {});
 * r.args; // ["--key=s3cret"]
 * r.env; // { PATH: "/bin" }
 * ```
 */
export function fillArgSecrets(
  args: string[],
  credentials: Record<string, string>,
  env: Record<string, string>,
  baseEnv: Record<string, string | undefined>,
  required: string[] = [],
): { args: string[]; env: Record<string, string> } {
  const names = argSecretNames(args);
  const missing = [...new Set([...names, ...required])].filter((n) => credentials[n] === undefined);
  if (missing.length) {
    throw new CredkitError(
      "missing",
      "Missing credentials for the command's arguments",
      missing.join(", "),
      "run credkit mcp import again, or add them with credkit add",
    );
  }
  const filled = args.map((a) => a.replace(PLACEHOLDER, (_m, n: string) => credentials[n]));
  const childEnv = { ...env };
  for (const n of names) if (baseEnv[n] === undefined) delete childEnv[n];
  return { args: filled, env: childEnv };
}
