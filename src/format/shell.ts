/**
 * POSIX shell writer: a file to `source` or `.` from sh, bash, dash, zsh.
 *
 * @module
 */
import { checkVars, type EnvVar } from "./env_var.ts";

/**
 * Quotes `value` as one POSIX shell word that stands for exactly those bytes:
 * single quotes, with each `'` written as `'\''`. Nothing inside single quotes
 * is expanded, so no value can run a command.
 *
 * @example
 * ```ts
 * shellQuote("it's"); // "'it'\\''s'"
 * ```
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Writes `export NAME='value'` lines. Sourcing the result (`set -a; . FILE`
 * or plain `. FILE`) in a POSIX shell sets each variable to the exact value,
 * newlines, carriage returns, quotes, `$` and backticks included.
 *
 * @throws {CredkitError} for a name that is not `[A-Za-z_][A-Za-z0-9_]*`, a
 *   name given two values, or a value with a NUL byte; the message names the
 *   variable, never its value.
 * @example
 * ```ts
 * formatShell([{ name: "TOKEN", value: "a'b" }]); // "export TOKEN='a'\\''b'\n"
 * ```
 */
export function formatShell(vars: readonly EnvVar[]): string {
  return checkVars(vars, "shell").map(({ name, value }) => `export ${name}=${shellQuote(value)}\n`)
    .join("");
}
