/**
 * How `show` displays a secret value: never more than its last 4 characters.
 *
 * @module
 */

/**
 * A display form that shows at most the last 4 characters of a secret, and a
 * well-known public prefix such as `hf_` or `ghp_`:
 * `hf_****wxyz`. Short values are fully hidden.
 *
 * @example
 * ```ts
 * maskForDisplay("hf_abcdefghijklmnopwxyz"); // "hf_****wxyz"
 * maskForDisplay("short"); // "****"
 * ```
 */
export function maskForDisplay(value: string): string {
  if (value.length < 16) return "****";
  const prefix = /^(hf_|ghp_|gho_|ghs_|ghu_|github_pat_|sk-|AKIA|ASIA|eyJ)/.exec(value)?.[1] ?? "";
  const tail = value.slice(-4);
  return `${prefix}****${tail}`;
}
