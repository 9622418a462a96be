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
import { AuthenticationRequired } from "../auth/errors.ts";
import { CredkitError } from "../errors.ts";
import { type ResolvedService, secretValues, toEnvironment } from "../resolve.ts";
import { stringMasker } from "../mask/policy.ts";
import {
  expandTemplate,
  fixesOrigin,
  type LoadedTool,
  type ParamDef,
  scopeFor,
  urlPrefixBeforeParams,
} from "./manifest.ts";
import { dotSegmentProblem, plainHttpProblem } from "./url_guard.ts";

/** Why a call failed, for callers that map failures to exit codes or hints. */
export type ToolErrorKind =
  | "unknown_tool"
  | "invalid_params"
  | "auth_required"
  | "missing_credentials"
  | "http_error"
  | "request_failed";

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
  metadata: {
    /** True when the user must sign in (`credkit auth signin <service>`). */
    auth_required: boolean;
    tool: string;
    action: string | null;
    /** The scope the action needed: a scope, `null` for a public action (absent: any token). */
    scope?: string | null;
    /** The service whose credentials the call uses. */
    service?: string;
    durationMs: number;
    /** Set when `success` is false. */
    error_kind?: ToolErrorKind;
    /** Credential variables without a value (when `error_kind` is `missing_credentials`). */
    missing?: string[];
  };
}

/** Resolves the credential variables of the given services (env > keychain > file). */
export type VariableResolver = (services: string[]) => Promise<Record<string, ResolvedService>>;

/** Dependencies of {@link createExecutor}. */
export interface ExecutorDeps {
  manifests: LoadedTool[];
  resolveVariables: VariableResolver;
  authStore: Pick<AuthStore, "getToken">;
  fetch: typeof globalThis.fetch;
  /** Per-request timeout unless the manifest sets `config.timeoutMs` (default 30000). */
  timeoutMs?: number;
  /** Largest response body read, in bytes (default 10 MiB). */
  maxResponseBytes?: number;
  /** Milliseconds, for `durationMs` (default `Date.now`). */
  clock?: () => number;
}

/** Runs tools by id. */
export interface Executor {
  /** The loaded tools. */
  readonly tools: LoadedTool[];
  /** Runs one call; never throws for a failed call (see `error`, `metadata`). */
  execute(toolId: string, params?: Record<string, unknown>): Promise<ToolResult>;
}

const MAX_REDIRECTS = 5;

/** The value of a parameter as it goes into a string template. */
function paramText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function typeMatches(def: ParamDef, value: unknown): boolean {
  switch (def.type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
}

/**
 * Checks call parameters against a tool's declared ones; returns the problem,
 * or `undefined` when they are valid. Undeclared names are refused, so a call
 * cannot slip in anything the manifest does not use.
 *
 * @example
 * ```ts
 * validateParams(tool, { action: "search", name: "x" }); // undefined
 * validateParams(tool, { GITHUB_TOKEN: "x" }); // 'unknown parameter "GITHUB_TOKEN" (expected: action, name)'
 * ```
 */
export function validateParams(
  tool: LoadedTool,
  params: Record<string, unknown>,
): string | undefined {
  const declared = Object.keys(tool.params);
  for (const [name, value] of Object.entries(params)) {
    if (!Object.hasOwn(tool.params, name)) {
      return `unknown parameter "${name}" (expected: ${declared.join(", ") || "none"})`;
    }
    if (value === undefined || value === null) continue;
    const def = tool.params[name];
    if (!typeMatches(def, value)) return `parameter "${name}" must be of type ${def.type}`;
    if (def.enum && !def.enum.some((e) => e === value)) {
      return `parameter "${name}" must be one of: ${def.enum.join(", ")}`;
    }
  }
  for (const [name, def] of Object.entries(tool.params)) {
    if (def.required && (params[name] === undefined || params[name] === null)) {
      return `missing required parameter "${name}"`;
    }
  }
  return undefined;
}

/**
 * Converts `k=v` strings from the command line to the declared parameter
 * types (number, integer, boolean; JSON for array and object). Throws a usage
 * error naming the parameter.
 *
 * @example
 * ```ts
 * coerceParams(tool, { limit: "10", name: "x" }); // { limit: 10, name: "x" }
 * ```
 */
export function coerceParams(
  tool: LoadedTool,
  raw: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const bad = (name: string, type: string) =>
    new CredkitError("usage", `Invalid parameter ${name}`, `expected ${type}`);
  for (const [name, text] of Object.entries(raw)) {
    const def = tool.params[name];
    if (!def) {
      throw new CredkitError(
        "usage",
        `Unknown parameter ${name} for tool ${tool.manifest.id}`,
        `expected one of: ${Object.keys(tool.params).join(", ") || "none"}`,
      );
    }
    switch (def.type) {
      case "number":
      case "integer": {
        const n = Number(text);
        if (
          text.trim() === "" || !Number.isFinite(n) ||
          (def.type === "integer" && !Number.isInteger(n))
        ) {
          throw bad(name, `an ${def.type === "integer" ? "integer" : "number"}`);
        }
        out[name] = n;
        break;
      }
      case "boolean":
        if (!["true", "false", "1", "0"].includes(text)) throw bad(name, "true or false");
        out[name] = text === "true" || text === "1";
        break;
      case "array":
      case "object": {
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch {
          throw bad(name, `a JSON ${def.type}`);
        }
        out[name] = v;
        break;
      }
      default:
        out[name] = text;
    }
  }
  return out;
}

const OMIT = Symbol("omit");

/**
 * Expands a body template: a string that is exactly `{param}` becomes the
 * parameter's own value (number, object, …; left out when not given), other
 * strings are expanded as text. Object keys are not templates.
 */
function expandBody(
  value: unknown,
  variable: (name: string) => string,
  params: Record<string, unknown>,
): unknown {
  if (typeof value === "string") {
    const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value);
    if (whole) {
      const v = params[whole[1]];
      return v === undefined || v === null ? OMIT : v;
    }
    return expandTemplate(value, variable, (p) => paramText(params[p]));
  }
  if (Array.isArray(value)) {
    return value.map((v) => expandBody(v, variable, params)).map((v) => (v === OMIT ? null : v));
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const x = expandBody(v, variable, params);
      if (x !== OMIT) out[k] = x;
    }
    return out;
  }
  return value;
}

/** Applies `mask` to every string (and object key) of a parsed JSON value. */
function maskDeep(value: unknown, mask: (s: string) => string): unknown {
  if (typeof value === "string") return mask(value);
  if (typeof value === "number" || typeof value === "bigint") {
    const s = String(value);
    const m = mask(s);
    return m === s ? value : m;
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[mask(k)] = maskDeep(v, mask);
    return out;
  }
  return value;
}

class CallError extends Error {
  constructor(readonly kind: ToolErrorKind, message: string) {
    super(message);
  }
}

async function readBody(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw new CallError("request_failed", `the response is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return null;
  const looksJson = /json/i.test(contentType ?? "") || /^\s*[[{]/.test(text);
  if (looksJson) {
    try {
      return JSON.parse(text);
    } catch { /* not JSON after all: text */ }
  }
  return text;
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

  async function execute(
    toolId: string,
    params: Record<string, unknown> = {},
  ): Promise<ToolResult> {
    const started = clock();
    const tool = byId.get(toolId);
    const rawAction = params?.action;
    const action = typeof rawAction === "string" ? rawAction : null;
    const result: ToolResult = {
      success: false,
      status: null,
      data: null,
      error: null,
      headers: {},
      metadata: { auth_required: false, tool: toolId, action, durationMs: 0 },
    };
    let mask: (s: string) => string = (s) => s;
    const finish = (kind?: ToolErrorKind, error?: string): ToolResult => {
      if (kind) {
        result.success = false;
        result.metadata.error_kind = kind;
        result.error = mask(error ?? kind);
      }
      result.metadata.durationMs = Math.max(0, Math.round(clock() - started));
      return result;
    };
    if (!tool) {
      return finish(
        "unknown_tool",
        `unknown tool "${toolId}" (known: ${[...byId.keys()].join(", ") || "none"})`,
      );
    }
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      return finish("invalid_params", "parameters must be an object");
    }
    const invalid = validateParams(tool, params);
    if (invalid) return finish("invalid_params", invalid);

    const m = tool.manifest;
    const scope = m.auth ? scopeFor(m, action ?? undefined) : null;
    if (m.auth) {
      if (scope !== undefined) result.metadata.scope = scope;
      result.metadata.service = m.auth.service;
    }
    try {
      const resolved = tool.services.length ? await deps.resolveVariables(tool.services) : {};
      const env = toEnvironment(resolved);
      const secrets = secretValues(resolved);
      mask = stringMasker(secrets);
      const missing = tool.variables.filter((v) => env[v] === undefined);
      if (missing.length) {
        result.metadata.missing = missing;
        const services = [
          ...new Set(
            Object.values(resolved).flatMap((fields) =>
              Object.values(fields).filter((f) => missing.some((v) => f.variables.includes(v)))
                .map((f) => f.service)
            ),
          ),
        ];
        return finish(
          "missing_credentials",
          `missing credentials: ${missing.join(", ")}; add them with: credkit add ${
            services.join(" / ")
          }`,
        );
      }

      let token: string | undefined;
      if (m.auth && scope !== null) {
        const service = m.auth.service;
        try {
          token = await deps.authStore.getToken(service, scope ? { scope } : {});
        } catch (err) {
          if (!(err instanceof AuthenticationRequired)) throw err;
          // A service without token auth (a personal access token, an API key)
          // is authenticated by its stored secret field.
          const fallback = scope === undefined && err.reason === "no token"
            ? Object.values(resolved[service] ?? {}).find((f) => f.secret && f.value)?.value
            : undefined;
          if (fallback === undefined) {
            result.metadata.auth_required = true;
            const scopeHint = err.scope ?? scope;
            return finish(
              "auth_required",
              `Authentication required for ${service} (${err.reason}); sign in with: credkit auth signin ${service}${
                scopeHint ? ` --scope ${scopeHint}` : ""
              }`,
            );
          }
          token = fallback;
        }
        mask = stringMasker([token, ...secrets]);
      }

      // Templates.
      const variable = (name: string) => env[name] ?? "";
      const c = m.config;
      const urlText = expandTemplate(
        c.url,
        variable,
        (p) => encodeURIComponent(paramText(params[p])),
      );
      const dots = dotSegmentProblem(
        urlText,
        expandTemplate(c.url, variable, () => "x"),
        c.url,
        (p) => paramText(params[p]),
      );
      if (dots) throw new CallError("invalid_params", dots);
      const prefix = urlPrefixBeforeParams(c.url);
      if (prefix !== undefined && !fixesOrigin(expandTemplate(prefix, variable, () => ""))) {
        throw new CallError(
          "invalid_params",
          "config.url: the host would depend on a parameter; refused",
        );
      }
      let url: URL;
      try {
        url = new URL(urlText);
      } catch {
        throw new CallError("request_failed", `config.url does not expand to a valid URL`);
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        throw new CallError("request_failed", `config.url: unsupported protocol ${url.protocol}`);
      }
      for (const [k, tpl] of Object.entries(c.query)) {
        const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(tpl);
        if (whole && (params[whole[1]] === undefined || params[whole[1]] === null)) continue;
        url.searchParams.append(k, expandTemplate(tpl, variable, (p) => paramText(params[p])));
      }
      const headers = new Headers();
      for (const [k, tpl] of Object.entries(c.headers)) {
        const value = expandTemplate(tpl, variable, (p) => paramText(params[p]));
        if (/[\r\n\0]/.test(value)) {
          throw new CallError("invalid_params", `header ${k}: the value contains a line break`);
        }
        headers.set(k, value);
      }
      if (m.auth && token !== undefined) {
        const plain = plainHttpProblem(url, m.auth);
        if (plain) throw new CallError("request_failed", plain);
        headers.set(m.auth.header, m.auth.format.split("{token}").join(token));
      }
      let body: string | undefined;
      if (c.body !== undefined) {
        const expanded = expandBody(c.body, variable, params);
        if (typeof expanded === "string") {
          body = expanded;
          if (!headers.has("content-type")) {
            headers.set("content-type", "text/plain; charset=utf-8");
          }
        } else {
          body = JSON.stringify(expanded === OMIT ? null : expanded);
          if (!headers.has("content-type")) headers.set("content-type", "application/json");
        }
      }
      if (!headers.has("accept")) {
        headers.set("accept", "application/json, text/plain;q=0.9, */*;q=0.5");
      }

      // HTTP, following redirects only within the origin credentials were meant for.
      const timeoutMs = c.timeoutMs ?? deps.timeoutMs ?? 30000;
      const signal = AbortSignal.timeout(timeoutMs);
      let method: string = c.method;
      let res: Response;
      try {
        for (let hop = 0;; hop++) {
          res = await deps.fetch(url, { method, headers, body, redirect: "manual", signal });
          const location = res.headers.get("location");
          if (![301, 302, 303, 307, 308].includes(res.status) || !location) break;
          await res.body?.cancel().catch(() => {});
          if (hop >= MAX_REDIRECTS) throw new CallError("request_failed", "too many redirects");
          const next = new URL(location, url);
          if (next.origin !== url.origin) {
            throw new CallError(
              "request_failed",
              `redirected to ${next.origin}; not followed, so credentials stay with ${url.origin}`,
            );
          }
          if (
            res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")
          ) {
            method = "GET";
            body = undefined;
            headers.delete("content-type");
          }
          url = next;
        }
        const text = await readBody(res!, maxBytes);
        result.status = res!.status;
        for (const [k, v] of res!.headers) {
          if (k.toLowerCase() === "set-cookie") continue;
          result.headers[mask(k.toLowerCase())] = mask(v);
        }
        result.data = maskDeep(parseBody(text, res!.headers.get("content-type")), mask);
      } catch (err) {
        if (err instanceof CallError) throw err;
        const name = (err as Error)?.name;
        if (name === "TimeoutError" || (name === "AbortError" && signal.aborted)) {
          throw new CallError("request_failed", `request timed out after ${timeoutMs} ms`);
        }
        const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
        const why = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
        throw new CallError("request_failed", `request failed: ${String(why).split("\n")[0]}`);
      }
      if (res!.ok) {
        result.success = true;
        return finish();
      }
      return finish(
        "http_error",
        `HTTP ${res!.status}${res!.statusText ? ` ${res!.statusText}` : ""}`,
      );
    } catch (err) {
      if (err instanceof CallError) return finish(err.kind, err.message);
      if (err instanceof CredkitError) {
        return finish(
          err.kind === "missing" ? "missing_credentials" : "request_failed",
          err.message,
        );
      }
      return finish("request_failed", (err as Error)?.message ?? String(err));
    }
  }

  return { tools: deps.manifests, execute };
}
