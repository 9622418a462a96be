/**
 * A wrapper that keeps a secret out of logs, string interpolation and JSON.
 *
 * @module
 */

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * A secret value whose `toString`, `toJSON` and inspection all print `****`.
 * Call {@link Secret.reveal} only where the raw value must leave credkit
 * (a child's environment, an HTTP header, `get`, `export`).
 *
 * @example
 * ```ts
 * const s = new Secret("hf_abc");
 * `${s}`; // "****"
 * s.reveal(); // "hf_abc"
 * ```
 */
export class Secret {
  #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The raw value. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "****";
  }
  toJSON(): string {
    return "****";
  }
  [inspectSymbol](): string {
    return "Secret(****)";
  }
}

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
