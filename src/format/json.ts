/**
 * JSON writer.
 *
 * @module
 */
import { checkVars, type EnvVar } from "./env_var.ts";

/**
 * Writes a JSON object from variable name to value, in the given order,
 * indented by two spaces and ending with a newline.
 *
 * @throws {CredkitError} for an invalid name, a name given two values, or a value with a
 *   NUL byte; the message names the variable, never its value.
 * @example
 * ```ts
 * formatJson([{ name: "AWS_REGION", value: "us-east-1" }]);
 * // '{\n  "AWS_REGION": "us-east-1"\n}\n'
 * ```
 */
export function formatJson(vars: readonly EnvVar[]): string {
  const object = Object.fromEntries(
    checkVars(vars, "json").map(({ name, value }) => [name, value]),
  );
  return `${JSON.stringify(object, null, 2)}\n`;
}
