/**
 * The input of every export writer and the checks they all share.
 *
 * Error messages name the variable, never its value.
 *
 * @module
 */
import { CredkitError } from "../errors.ts";

/** One environment variable to export, in output order. */
export interface EnvVar {
  /** Variable name; must match {@link ENV_NAME_PATTERN}. */
  name: string;
  /** The raw value. */
  value: string;
  /** True when the value is a secret (masked by the `github` writer). Default: false. */
  secret?: boolean;
}

/** Portable environment variable names: what POSIX shells accept. */
export const ENV_NAME_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The error every writer throws for a variable it cannot write.
 *
 * @example
 * ```ts
 * throw exportError("HF_TOKEN", "dotenv", "its value contains a NUL byte");
 * ```
 */
export function exportError(
  name: string,
  format: string,
  why: string,
  hint?: string,
): CredkitError {
  return new CredkitError("error", `Cannot export ${printableName(name)} as ${format}`, why, hint);
}

/**
 * Checks names and values before any writer runs and returns the variables
 * to write: names must match {@link ENV_NAME_PATTERN}; values must not contain
 * NUL (no environment variable can hold one) nor lone UTF-16 surrogates (they
 * have no UTF-8 encoding, so no file could give them back). A name listed
 * twice with the same value is written once, at its first place (secret if
 * either entry is); with different values it is an error.
 *
 * @throws {CredkitError} naming the variable, never its value.
 * @example
 * ```ts
 * checkVars([{ name: "AWS_REGION", value: "us-east-1" }], "shell"); // the same list
 * checkVars([{ name: "1BAD", value: "" }], "shell"); // throws
 * ```
 */
export function checkVars(vars: readonly EnvVar[], format: string): EnvVar[] {
  const byName = new Map<string, EnvVar>();
  for (const { name, value, secret } of vars) {
    if (typeof name !== "string" || !ENV_NAME_PATTERN.test(name)) {
      throw exportError(
        String(name),
        format,
        "not a valid variable name (letters, digits and _, not starting with a digit)",
      );
    }
    if (typeof value !== "string") throw exportError(name, format, "its value is not a string");
    if (value.includes("\0")) {
      throw exportError(
        name,
        format,
        "its value contains a NUL byte, which no environment variable can hold",
      );
    }
    if (LONE_SURROGATE.test(value)) {
      throw exportError(name, format, "its value is not valid Unicode (lone UTF-16 surrogate)");
    }
    const seen = byName.get(name);
    if (seen === undefined) {
      byName.set(name, { name, value, secret: secret === true });
    } else if (seen.value !== value) {
      throw exportError(name, format, "the variable is listed twice with different values");
    } else if (secret === true) {
      seen.secret = true;
    }
  }
  return [...byName.values()];
}

function printableName(name: string): string {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  return ENV_NAME_PATTERN.test(name) ? shown : JSON.stringify(shown);
}
