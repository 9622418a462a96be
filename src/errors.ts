/**
 * Error kinds and the one table that maps them to exit codes.
 *
 * Every failure credkit reports is a {@link CredkitError}; its message is one
 * line, `credkit: <what failed>: <why>`, optionally followed by the next step.
 * No secret value may ever be passed into an error.
 *
 * @module
 */

/** What kind of failure happened; decides the exit code. */
export type ErrorKind =
  | "error"
  | "usage"
  | "missing"
  | "auth_required"
  | "store_unavailable"
  | "interrupted";

/** Exit codes of credkit, decided in one place. */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  error: 1,
  usage: 2,
  missing: 3,
  auth_required: 3,
  store_unavailable: 4,
  /** Ctrl-C at a prompt: 128 + SIGINT, like a shell. */
  interrupted: 130,
};

/**
 * A failure with a kind, a short description of what failed, why, and an
 * optional hint naming the next step.
 *
 * @example
 * ```ts
 * throw new CredkitError("store_unavailable", "Cannot write to keychain", "no keychain reachable", "use --store file");
 * ```
 */
export class CredkitError extends Error {
  /** The failure kind; see {@link EXIT_CODES}. */
  readonly kind: ErrorKind;
  /** What failed, e.g. "Cannot read credentials file /x". */
  readonly what: string;
  /** Why it failed. */
  readonly why: string;
  /** The next step for the user, if any. */
  readonly hint?: string;

  constructor(kind: ErrorKind, what: string, why: string, hint?: string) {
    super(`${what}: ${why}${hint ? ` (${hint})` : ""}`);
    this.name = "CredkitError";
    this.kind = kind;
    this.what = what;
    this.why = why;
    this.hint = hint;
  }

  /** The exit code for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** Shorthand for a usage error (exit 2). */
export function usageError(what: string, why: string, hint?: string): CredkitError {
  return new CredkitError("usage", what, why, hint ?? "see credkit --help");
}

/**
 * The exit code for any thrown value: a {@link CredkitError}'s own code, or 1.
 *
 * @example
 * ```ts
 * exitCodeFor(new CredkitError("missing", "x", "y")); // 3
 * ```
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CredkitError) return err.exitCode;
  if (err && typeof err === "object" && "kind" in err) {
    const kind = (err as { kind: string }).kind as ErrorKind;
    if (kind in EXIT_CODES) return EXIT_CODES[kind];
  }
  return 1;
}

/**
 * The single stderr line for an error: `credkit: <what failed>: <why>`.
 * Newlines in messages are folded so the error stays one line.
 */
export function formatError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return `credkit: ${text.replace(/\s*\n\s*/g, " ")}`;
}
