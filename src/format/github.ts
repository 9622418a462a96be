/**
 * GitHub Actions writer: `$GITHUB_ENV` text plus `::add-mask::` commands.
 *
 * @module
 */
import { checkVars, type EnvVar, exportError } from "./env_var.ts";

/** Options for {@link formatGithubEnv}. */
export interface GithubEnvOptions {
  /**
   * Makes a candidate heredoc delimiter; it is used only if it is made of
   * `[A-Za-z0-9_.-]` and appears in neither the name nor the value, otherwise
   * a new one is made (up to 100 times). Default: `ghadelimiter_` followed by
   * a random UUID.
   */
  delimiter?: () => string;
}

/** What {@link formatGithubEnv} returns. */
export interface GithubEnvOutput {
  /** Text to append to the file named by `$GITHUB_ENV`. */
  env: string;
  /**
   * `::add-mask::` workflow commands, one a line, for every secret value.
   * Must be written to the step's **stdout** (the runner reads workflow
   * commands only there), before `env` is appended.
   */
  masks: string;
}

const MAX_DELIMITER_TRIES = 100;

function randomDelimiter(): string {
  return `ghadelimiter_${globalThis.crypto.randomUUID()}`;
}

/** Workflow command data escaping, as the runner unescapes it. */
function escapeCommandData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/**
 * Writes variables for `$GITHUB_ENV` in GitHub's multiline syntax,
 * `NAME<<DELIMITER\nvalue\nDELIMITER\n`, with a fresh random delimiter per
 * variable that appears in neither its name nor its value, so any value
 * (newlines, `=`, `<<`) reads back exactly.
 *
 * `masks` holds one `::add-mask::` line per line of every variable marked
 * `secret: true` (the runner masks log output line by line, so a multi-line
 * secret is masked one line at a time; blank lines are skipped, surrounding
 * whitespace is dropped, `%`, CR and LF are escaped as the runner expects).
 * The caller must print `masks` to **stdout**, before appending `env` to
 * `$GITHUB_ENV`: `::add-mask::` lines written anywhere else do nothing.
 *
 * @throws {CredkitError} for an invalid name, a name given two values, or a value with a
 *   NUL byte; the message names the variable, never its value.
 * @example
 * ```ts
 * const { env, masks } = formatGithubEnv([
 *   { name: "HF_TOKEN", value: "hf_abc", secret: true },
 *   { name: "AWS_REGION", value: "us-east-1" },
 * ]);
 * process.stdout.write(masks); // "::add-mask::hf_abc\n"
 * fs.appendFileSync(process.env.GITHUB_ENV!, env);
 * ```
 */
export function formatGithubEnv(
  vars: readonly EnvVar[],
  options: GithubEnvOptions = {},
): GithubEnvOutput {
  const checked = checkVars(vars, "github");
  const makeDelimiter = options.delimiter ?? randomDelimiter;
  let env = "";
  const masks = new Set<string>();
  for (const { name, value, secret } of checked) {
    const delimiter = pickDelimiter(name, value, makeDelimiter);
    env += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    if (secret !== true) continue;
    for (const line of value.split(/\r\n|\r|\n/)) {
      const trimmed = line.trim();
      if (trimmed !== "") masks.add(`::add-mask::${escapeCommandData(trimmed)}\n`);
    }
  }
  return { env, masks: [...masks].join("") };
}

function pickDelimiter(name: string, value: string, make: () => string): string {
  for (let i = 0; i < MAX_DELIMITER_TRIES; i++) {
    const candidate = make();
    if (
      /^[A-Za-z0-9_.-]+$/.test(candidate) && !value.includes(candidate) &&
      !name.includes(candidate)
    ) {
      return candidate;
    }
  }
  throw exportError(
    name,
    "github",
    "no heredoc delimiter could be found that is absent from its value",
  );
}
