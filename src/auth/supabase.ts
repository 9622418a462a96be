/**
 * Supabase Auth (GoTrue) tokens: password sign-in and refresh against
 * `{SUPABASE_URL}/auth/v1/token`, with the project's anon key in the `apikey`
 * header. Refresh tokens are single-use; a rejected one means sign in again.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";
import type { RefreshRequest, TokenSet } from "./auth_store.ts";
import { AuthenticationRequired, RefreshError } from "./errors.ts";
import {
  describeNetworkError,
  isLoopbackHttp,
  isNetworkError,
  retryAfterSeconds,
  scrub,
} from "./http_util.ts";

/** Default timeout of one request to Supabase Auth, ms. */
export const SUPABASE_TIMEOUT_MS = 30000;

/** Where a Supabase project's Auth API is. */
export interface SupabaseProject {
  /** Project URL, e.g. `https://xyz.supabase.co`. */
  url: string;
  /** The project's anon (publishable) key. */
  anonKey: string;
}

/** Error codes meaning the refresh token (or its session) is gone for good. */
const REJECTED_CODES = new Set([
  "invalid_grant",
  "refresh_token_not_found",
  "refresh_token_already_used",
  "session_not_found",
  "session_expired",
]);

interface ErrorBody {
  error?: string;
  error_description?: string;
  error_code?: string;
  code?: string | number;
  msg?: string;
  message?: string;
}

/**
 * The project URL and anon key of a supabase-type service, from its `url` and
 * `anon_key` fields. Throws a "missing" error naming the variable to set.
 *
 * @example
 * ```ts
 * const project = await supabaseProject("supabase", def, resolveField);
 * ```
 */
export async function supabaseProject(
  service: string,
  def: ServiceDef | undefined,
  resolveField: (service: string, field: string) => Promise<string | undefined>,
): Promise<SupabaseProject> {
  const [url, anonKey] = await Promise.all([
    resolveField(service, "url"),
    resolveField(service, "anon_key"),
  ]);
  const missing: string[] = [];
  if (!url) missing.push(def?.fields.url?.env[0] ?? "SUPABASE_URL");
  if (!anonKey) missing.push(def?.fields.anon_key?.env[0] ?? "SUPABASE_ANON_KEY");
  if (missing.length) {
    throw new CredkitError(
      "missing",
      `Cannot reach Supabase Auth for ${service}`,
      `${missing.join(" and ")} not set`,
      `run: credkit add ${service}`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url!);
  } catch {
    throw new CredkitError("usage", `Invalid Supabase URL for ${service}`, "not a URL");
  }
  if (parsed.protocol !== "https:" && !isLoopbackHttp(parsed)) {
    throw new CredkitError(
      "usage",
      `Invalid Supabase URL for ${service}`,
      "it does not use https",
      "plain http is only accepted on 127.0.0.1 / localhost",
    );
  }
  return { url: url!.replace(/\/+$/, ""), anonKey: anonKey! };
}

function tokenSet(body: Record<string, unknown>): TokenSet {
  const set: TokenSet = { accessToken: String(body.access_token ?? "") };
  if (typeof body.refresh_token === "string" && body.refresh_token) {
    set.refreshToken = body.refresh_token;
  }
  // expires_in is relative, so a skewed local clock does not matter.
  if (typeof body.expires_in === "number") set.expiresIn = body.expires_in;
  else if (typeof body.expires_at === "number") set.expiresAt = body.expires_at;
  if (typeof body.token_type === "string") set.tokenType = body.token_type.toLowerCase();
  const user = body.user as { email?: string; phone?: string; id?: string } | undefined;
  const account = user?.email || user?.phone || user?.id;
  if (account) set.account = account;
  return set;
}

async function readError(response: Response): Promise<ErrorBody> {
  try {
    const body = await response.json();
    return body && typeof body === "object" ? body as ErrorBody : {};
  } catch {
    return {};
  }
}

/** POSTs to the token endpoint; returns the parsed body or throws a classified error. */
async function tokenRequest(options: {
  service: string;
  project: SupabaseProject;
  grantType: "refresh_token" | "password";
  body: Record<string, string>;
  fetch: typeof globalThis.fetch;
  clock: () => number;
  secrets: string[];
  timeoutMs: number;
  onRejected: (reason: string) => Error;
}): Promise<Record<string, unknown>> {
  const { service, project, secrets } = options;
  const url = `${project.url}/auth/v1/token?grant_type=${options.grantType}`;
  let response: Response;
  try {
    response = await options.fetch(url, {
      method: "POST",
      headers: {
        "apikey": project.anonKey,
        "authorization": `Bearer ${project.anonKey}`,
        "content-type": "application/json;charset=UTF-8",
        "accept": "application/json",
      },
      body: JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    if (isNetworkError(err)) {
      throw new RefreshError(
        service,
        "network",
        `network error: ${scrub(describeNetworkError(err, options.timeoutMs), secrets)}`,
      );
    }
    throw err;
  }
  if (response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new RefreshError(service, "protocol", "Supabase Auth sent a body that is not JSON");
    }
    if (
      !body || typeof body !== "object" ||
      typeof (body as { access_token?: unknown }).access_token !== "string"
    ) {
      throw new RefreshError(service, "protocol", "Supabase Auth sent no access token");
    }
    return body as Record<string, unknown>;
  }
  const status = response.status;
  const err = await readError(response);
  const code = String(
    err.error_code ?? err.error ?? (typeof err.code === "string" ? err.code : "") ?? "",
  );
  const text = String(err.error_description ?? err.msg ?? err.message ?? "");
  const detail = scrub([code, text].filter(Boolean).join(": "), secrets);
  if (status === 429 || status >= 500) {
    throw new RefreshError(
      service,
      status === 429 ? "rate_limited" : "server",
      `Supabase Auth answered HTTP ${status}${detail ? ` (${detail})` : ""}`,
      { status, retryAfterSeconds: retryAfterSeconds(response.headers, options.clock()) },
    );
  }
  if (
    status >= 400 && status < 500 &&
    (REJECTED_CODES.has(code) || /invalid refresh token|invalid login credentials/i.test(text))
  ) {
    throw options.onRejected(detail || `HTTP ${status}`);
  }
  throw new RefreshError(
    service,
    "protocol",
    `Supabase Auth answered HTTP ${status}${detail ? ` (${detail})` : ""}`,
    { status, hint: status === 401 || status === 403 ? `check ${service} anon_key` : undefined },
  );
}

/**
 * The supabase refresher: `POST {url}/auth/v1/token?grant_type=refresh_token`
 * with `{refresh_token}`. A 400 saying the refresh token is invalid, used or
 * not found raises {@link AuthenticationRequired}.
 *
 * @example
 * ```ts
 * const set = await refreshSupabase({ service: "supabase", def, refreshToken: "r1", scopes: [], fetch, clock: Date.now, resolveField });
 * ```
 */
export async function refreshSupabase(
  request: RefreshRequest & { timeoutMs?: number },
): Promise<TokenSet> {
  const project = await supabaseProject(request.service, request.def, request.resolveField);
  const body = await tokenRequest({
    service: request.service,
    project,
    grantType: "refresh_token",
    body: { refresh_token: request.refreshToken },
    fetch: request.fetch,
    clock: request.clock,
    secrets: [request.refreshToken, project.anonKey],
    timeoutMs: request.timeoutMs ?? SUPABASE_TIMEOUT_MS,
    onRejected: () => new AuthenticationRequired(request.service, "refresh token rejected"),
  });
  return tokenSet(body);
}

/** Options of {@link supabaseSignin}. */
export interface SupabaseSigninOptions {
  /** The service signing in. */
  service: string;
  /** The project's URL and anon key. */
  project: SupabaseProject;
  /** The account's e-mail address. */
  email: string;
  /** The account's password (never logged). */
  password: string;
  /** The fetch used to reach the auth endpoint. */
  fetch: typeof globalThis.fetch;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /**
   * Per-request timeout, in milliseconds.
   *
   * @default {30000}
   */
  timeoutMs?: number;
}

/**
 * Password sign-in: `POST {url}/auth/v1/token?grant_type=password` with
 * `{email, password}`. Wrong credentials raise {@link AuthenticationRequired}.
 *
 * @example
 * ```ts
 * const set = await supabaseSignin({ service: "supabase", project, email: "a@b.c", password, fetch, clock: Date.now });
 * ```
 */
export async function supabaseSignin(options: SupabaseSigninOptions): Promise<TokenSet> {
  const { service } = options;
  try {
    const body = await tokenRequest({
      service,
      project: options.project,
      grantType: "password",
      body: { email: options.email, password: options.password },
      fetch: options.fetch,
      clock: options.clock,
      secrets: [options.password, options.project.anonKey],
      timeoutMs: options.timeoutMs ?? SUPABASE_TIMEOUT_MS,
      onRejected: (reason) =>
        new AuthenticationRequired(service, `sign-in refused: ${reason}`, {
          hint: "check the e-mail address and password",
        }),
    });
    const set = tokenSet(body);
    set.account ??= options.email;
    return set;
  } catch (err) {
    if (err instanceof RefreshError) {
      throw new CredkitError("error", `Cannot sign in to ${service}`, err.why);
    }
    throw err;
  }
}
