/**
 * The tool executor: runs a manifest's HTTP call with the credentials it
 * needs and hands back a result that never contains one.
 *
 * A call goes: validate the parameters against the manifest → pick the scope
 * of the requested action → resolve the `${VAR}` credential variables → get a
 * token from the AuthStore (refreshed when needed; none for a public action)
 * → expand the templates in one pass → HTTP with a timeout, redirects followed
 * only within the same origin → parse JSON or text → mask every secret (the
 * token and every secret credential value) in the body, the headers and the
 * error text.
 *
 * @module
 */
import type { AuthStore } from "../auth/auth_store.ts";
import { CredkitError } from "../errors.ts";
import { stringMasker } from "../mask/policy.ts";
import {
  requireVariables,
  resolveToolCredentials,
  toolToken,
  type VariableResolver,
} from "./credentials.ts";
import { type LoadedTool, scopeFor } from "./manifest.ts";
import type { ToolManifest } from "./manifest_schema.ts";
import { validateParams } from "./params.ts";
import { buildToolRequest } from "./request.ts";
import { recordResponse, sendToolRequest } from "./response.ts";
import { CallError, pendingResult, type ToolErrorKind, type ToolResult } from "./result.ts";

export type { VariableResolver } from "./credentials.ts";
export type { ToolErrorKind, ToolResult, ToolResultMetadata } from "./result.ts";

/** Dependencies of {@link createExecutor}. */
export interface ExecutorDeps {
  /** The tools it runs. */
  manifests: LoadedTool[];
  /** Resolves the credential variables of a tool's services. */
  resolveVariables: VariableResolver;
  /** Where tokens come from (refreshed when needed). */
  authStore: Pick<AuthStore, "getToken">;
  /** HTTP. */
  fetch: typeof globalThis.fetch;
  /**
   * Per-request timeout unless the manifest sets `config.timeoutMs`.
   *
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Largest response body read, in bytes.
   *
   * @default {10485760}
   */
  maxResponseBytes?: number;
  /**
   * Milliseconds, for `durationMs`.
   *
   * @default {Date.now}
   */
  clock?: () => number;
}

/** Runs tools by id. */
export interface Executor {
  /** The loaded tools. */
  readonly tools: LoadedTool[];
  /** Runs one call; never throws for a failed call (see `error`, `metadata`). */
  execute(toolId: string, params?: Record<string, unknown>): Promise<ToolResult>;
}

/**
 * Builds an executor over loaded manifests.
 *
 * @example
 * ```ts
 * const executor = createExecutor({
 *   manifests: loadToolManifests(dir, config.services),
 *   resolveVariables: (names) => resolveWith(ctx, servicesNamed(config, names)),
 *   authStore: authStoreFromContext(ctx),
 *   fetch: ctx.fetch,
 * });
 * const result = await executor.execute("registry", { action: "search", name: "x" });
 * if (result.metadata.auth_required) console.error(result.error);
 * ```
 */
export function createExecutor(deps: ExecutorDeps): Executor {
  const clock = deps.clock ?? Date.now;
  const byId = new Map(deps.manifests.map((t) => [t.manifest.id, t]));
  const maxBytes = deps.maxResponseBytes ?? 10 * 1024 * 1024;

  /** The tool `toolId` names, its parameters checked. */
  function checkedTool(toolId: string, params: Record<string, unknown>): LoadedTool {
    const tool = byId.get(toolId);
    if (!tool) {
      const known = [...byId.keys()].join(", ") || "none";
      throw new CallError("unknown_tool", `unknown tool "${toolId}" (known: ${known})`);
    }
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      throw new CallError("invalid_params", "parameters must be an object");
    }
    const invalid = validateParams(tool, params);
    if (invalid) throw new CallError("invalid_params", invalid);
    return tool;
  }

  async function execute(
    toolId: string,
    params: Record<string, unknown> = {},
  ): Promise<ToolResult> {
    const started = clock();
    const action = typeof params?.action === "string" ? params.action : null;
    const result = pendingResult(toolId, action);
    let mask: (s: string) => string = (s) => s;
    try {
      const tool = checkedTool(toolId, params);
      const m = tool.manifest;
      const scope = noteScope(m, action, result);
      const creds = await resolveToolCredentials(tool, deps.resolveVariables);
      mask = stringMasker(creds.secrets);
      requireVariables(tool, creds);
      const token = await toolToken(m, scope, creds, deps.authStore);
      if (token !== undefined) mask = stringMasker([token, ...creds.secrets]);
      const request = buildToolRequest(tool, params, creds.env, token);
      const timeoutMs = m.config.timeoutMs ?? deps.timeoutMs ?? 30000;
      const response = await sendToolRequest(deps.fetch, request, { timeoutMs, maxBytes });
      recordResponse(result, response, mask);
      if (response.ok) result.success = true;
      else {
        const statusText = response.statusText ? ` ${response.statusText}` : "";
        failResult(result, mask, "http_error", `HTTP ${response.status}${statusText}`);
      }
    } catch (err) {
      failResult(result, mask, ...failureOf(err));
    }
    result.metadata.durationMs = Math.max(0, Math.round(clock() - started));
    return result;
  }

  return { tools: deps.manifests, execute };
}

/**
 * The scope the call's token needs (`null`: no token is sent; `undefined`:
 * any token), noted in `result` with the service it is for.
 */
function noteScope(
  manifest: ToolManifest,
  action: string | null,
  result: ToolResult,
): string | null | undefined {
  if (!manifest.auth) return null;
  const scope = scopeFor(manifest, action ?? undefined);
  if (scope !== undefined) result.metadata.scope = scope;
  result.metadata.service = manifest.auth.service;
  return scope;
}

/** The kind and message of what ended a call. */
function failureOf(err: unknown): [ToolErrorKind, string, string[]?] {
  if (err instanceof CallError) return [err.kind, err.message, err.missing];
  if (err instanceof CredkitError) {
    return [err.kind === "missing" ? "missing_credentials" : "request_failed", err.message];
  }
  return ["request_failed", (err as Error)?.message ?? String(err)];
}

/** Marks `result` failed with `kind` and the masked `error`. */
function failResult(
  result: ToolResult,
  mask: (s: string) => string,
  kind: ToolErrorKind,
  error: string,
  missing?: string[],
): void {
  if (missing) result.metadata.missing = missing;
  if (kind === "auth_required") result.metadata.auth_required = true;
  result.success = false;
  result.metadata.error_kind = kind;
  result.error = mask(error);
}
