/**
 * What a tool call hands back: the {@link ToolResult} (never a secret in it),
 * the kinds of failure, and the error the steps of a call throw to end it.
 *
 * @module
 */

/** Why a call failed, for callers that map failures to exit codes or hints. */
export type ToolErrorKind =
  | "unknown_tool"
  | "invalid_params"
  | "auth_required"
  | "missing_credentials"
  | "http_error"
  | "request_failed";

/** What is known about a call besides its answer. */
export interface ToolResultMetadata {
  /** True when the user must sign in (`credkit auth signin <service>`). */
  auth_required: boolean;
  /** The id of the tool called. */
  tool: string;
  /** The `action` parameter, `null` when none was given. */
  action: string | null;
  /** The scope the action needed: a scope, `null` for a public action (absent: any token). */
  scope?: string | null;
  /** The service whose credentials the call uses. */
  service?: string;
  /** How long the call took, in milliseconds. */
  durationMs: number;
  /** Set when `success` is false. */
  error_kind?: ToolErrorKind;
  /** Credential variables without a value (when `error_kind` is `missing_credentials`). */
  missing?: string[];
}

/** The result of one tool call; never contains a secret. */
export interface ToolResult {
  /** True when the HTTP call answered 2xx. */
  success: boolean;
  /** HTTP status, `null` when no request was made. */
  status: number | null;
  /** The response body: parsed JSON, text, or `null` when empty. Masked. */
  data: unknown;
  /** What went wrong, masked; `null` on success. */
  error: string | null;
  /** Response headers (lower-case names, `set-cookie` dropped), masked. */
  headers: Record<string, string>;
  /** What is known about the call besides its answer. */
  metadata: ToolResultMetadata;
}

/**
 * A call that cannot go on: thrown by a step of the executor, turned into a
 * failed {@link ToolResult} of its `kind` (its message masked).
 *
 * @example
 * ```ts
 * throw new CallError("request_failed", "too many redirects");
 * ```
 */
export class CallError extends Error {
  /** Why the call failed. */
  readonly kind: ToolErrorKind;
  /** Credential variables without a value, for `missing_credentials`. */
  readonly missing?: string[];

  /**
   * Ends a call with `kind`.
   *
   * @param kind Why the call failed.
   * @param message What went wrong (may hold a secret: masked before it is shown).
   * @param missing Credential variables without a value, for `missing_credentials`.
   */
  constructor(kind: ToolErrorKind, message: string, missing?: string[]) {
    super(message);
    this.kind = kind;
    if (missing) this.missing = missing;
  }
}

/**
 * The result of a call before it ran: not successful, no status, no data.
 *
 * @example
 * ```ts
 * pendingResult("registry", "search").metadata; // { auth_required: false, tool: "registry", action: "search", durationMs: 0 }
 * ```
 */
export function pendingResult(toolId: string, action: string | null): ToolResult {
  return {
    success: false,
    status: null,
    data: null,
    error: null,
    headers: {},
    metadata: { auth_required: false, tool: toolId, action, durationMs: 0 },
  };
}
