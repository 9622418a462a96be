/**
 * Errors raised by the AuthStore and its refreshers.
 *
 * Neither error ever carries a token: messages name the service, what failed
 * and why, and the next step.
 *
 * @module
 */
import { CredkitError } from "../errors.ts";

/**
 * No usable token: none stored, a scope missing, or the refresh token was
 * rejected by the server. Exit code 3.
 *
 * @example
 * ```ts
 * throw new AuthenticationRequired("supabase", "no token");
 * // credkit: Authentication required for supabase: no token (run: credkit auth signin supabase)
 * ```
 */
export class AuthenticationRequired extends CredkitError {
  /** The service that needs a sign-in. */
  readonly service: string;
  /** Why: "no token", "scope X missing", "refresh token rejected", … */
  readonly reason: string;
  /** The scope that is missing, when that is the reason. */
  readonly scope?: string;

  /**
   * Creates the error for a service, with the reason and the next step.
   *
   * @param service The service that needs a sign-in.
   * @param reason Why no token can be used.
   * @param options `scope`: the missing scope; `hint`: the next step (default: the sign-in command).
   */
  constructor(service: string, reason: string, options: { scope?: string; hint?: string } = {}) {
    super(
      "auth_required",
      `Authentication required for ${service}`,
      reason,
      options.hint ??
        `run: credkit auth signin ${service}${options.scope ? ` --scope ${options.scope}` : ""}`,
    );
    this.name = "AuthenticationRequired";
    this.service = service;
    this.reason = reason;
    this.scope = options.scope;
  }
}

/** Why a refresh failed transiently. */
export type RefreshFailure = "network" | "server" | "rate_limited" | "protocol";

/**
 * A refresh that failed for a reason that may go away: a network error, a 5xx
 * or a 429 from the token endpoint. The stored token is left untouched.
 * Exit code 1.
 *
 * @example
 * ```ts
 * throw new RefreshError("myapi", "server", "token endpoint answered HTTP 503");
 * ```
 */
export class RefreshError extends CredkitError {
  /** The service whose token could not be refreshed. */
  readonly service: string;
  /** The class of failure. */
  readonly failure: RefreshFailure;
  /** HTTP status of the token endpoint's answer, if there was one. */
  readonly status?: number;
  /** Seconds the server asked to wait (`Retry-After`), if any. */
  readonly retryAfterSeconds?: number;

  /**
   * Creates the error for a service, with the class of failure and why.
   *
   * @param service The service whose token could not be refreshed.
   * @param failure The class of failure.
   * @param why What went wrong (never a token).
   * @param options HTTP `status`, `retryAfterSeconds`, and a `hint` (default: try again later).
   */
  constructor(
    service: string,
    failure: RefreshFailure,
    why: string,
    options: { status?: number; retryAfterSeconds?: number; hint?: string } = {},
  ) {
    super(
      "error",
      `Cannot refresh the ${service} token`,
      why,
      options.hint ?? "try again later; the stored token was kept",
    );
    this.name = "RefreshError";
    this.service = service;
    this.failure = failure;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
