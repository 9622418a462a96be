/**
 * Export writers and import readers, and the dispatch from a format name to
 * its writer.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { formatDotenv } from "./dotenv.ts";
import type { EnvVar } from "./env_var.ts";
import { formatGithubEnv } from "./github.ts";
import { formatJson } from "./json.ts";
import { formatShell } from "./shell.ts";

export { checkVars, ENV_NAME_PATTERN, type EnvVar } from "./env_var.ts";
export { formatDotenv, parseDotenv } from "./dotenv.ts";
export { formatShell, shellQuote } from "./shell.ts";
export { formatJson } from "./json.ts";
export { formatGithubEnv, type GithubEnvOptions, type GithubEnvOutput } from "./github.ts";
export { detectImportFormat, type ImportFormat, parseIpfsKitConfig } from "./ipfs_kit.ts";

/** The formats of `credkit export --format`. */
export type ExportFormat = "dotenv" | "shell" | "json" | "github";

/** Every {@link ExportFormat}, in the order help text lists them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ["dotenv", "shell", "json", "github"];

/**
 * What a writer produces: `text` for the output file (for `github`, the text
 * to append to `$GITHUB_ENV`), and `masks`, `::add-mask::` lines that must go
 * to stdout before `text` is written (empty except for `github`).
 */
export interface FormattedExport {
  /** The output file's content (for `github`, what is appended to `$GITHUB_ENV`). */
  text: string;
  /** `::add-mask::` lines for stdout, written before `text` (empty except for `github`). */
  masks: string;
}

/** A writer: variables in, {@link FormattedExport} out; throws a `CredkitError`. */
export type ExportWriter = (vars: readonly EnvVar[]) => FormattedExport;

const WRITERS: Record<ExportFormat, ExportWriter> = {
  dotenv: (vars) => ({ text: formatDotenv(vars), masks: "" }),
  shell: (vars) => ({ text: formatShell(vars), masks: "" }),
  json: (vars) => ({ text: formatJson(vars), masks: "" }),
  github: (vars) => {
    const { env, masks } = formatGithubEnv(vars);
    return { text: env, masks };
  },
};

/**
 * True when `name` is an {@link ExportFormat}.
 *
 * @example
 * ```ts
 * isExportFormat("shell"); // true
 * isExportFormat("yaml"); // false
 * ```
 */
export function isExportFormat(name: string): name is ExportFormat {
  return Object.hasOwn(WRITERS, name);
}

/**
 * The writer for a format name.
 *
 * @throws {CredkitError} a usage error (exit 2) for an unknown name.
 * @example
 * ```ts
 * const { text, masks } = formatFor("github")([{ name: "T", value: "x", secret: true }]);
 * ```
 */
export function formatFor(name: string): ExportWriter {
  if (!isExportFormat(name)) {
    throw usageError(
      `Unknown export format ${JSON.stringify(name)}`,
      `expected one of ${EXPORT_FORMATS.join(", ")}`,
    );
  }
  return WRITERS[name];
}
