/**
 * Small helpers shared by the refreshers: reading `Retry-After`, describing
 * network failures, and keeping token values out of error text.
 *
 * @module
 */
import { maskMessage } from "../mask/policy.ts";

/**
 * Seconds to wait according to a `Retry-After` header (delta-seconds or an
 * HTTP date), or `undefined` when there is none or it cannot be read.
 *
 * @example
 * ```ts
 * retryAfterSeconds(new Headers({ "retry-after": "30" }), Date.now()); // 30
 * ```
 */
export function retryAfterSeconds(headers: Headers, nowMs: number): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/**
 * Removes every occurrence of the given secret values from `text` (in every
 * form of the masking policy: raw, JSON-escaped, percent- or form-encoded),
 * folds it to one line and caps its length, so that server-supplied text can
 * go into an error message.
 *
 * @example
 * ```ts
 * scrub("bad token abc123", ["abc123"]); // "bad token ****"
 * ```
 */
export function scrub(text: string, secrets: (string | undefined)[], maxLength = 200): string {
  return maskMessage(text, secrets, maxLength);
}

/**
 * A short reason for a failed `fetch`: a timeout, a refused connection, or the
 * runtime's own message.
 *
 * @example
 * ```ts
 * describeNetworkError(new TypeError("fetch failed")); // "fetch failed"
 * ```
 */
export function describeNetworkError(err: unknown, timeoutMs?: number): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: unknown };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return timeoutMs ? `no answer within ${Math.round(timeoutMs / 1000)} s` : "request aborted";
  }
  const texts = [
    e?.message,
    e?.code,
    (e?.cause as { code?: string; message?: string })?.code,
    (
      e?.cause as { message?: string }
    )?.message,
  ].filter((t): t is string => typeof t === "string");
  const all = texts.join(" ");
  if (/ECONNREFUSED|connection refused/i.test(all)) return "connection refused";
  if (/ENOTFOUND|dns error|failed to lookup|name resolution/i.test(all)) {
    return "host not found";
  }
  if (/ECONNRESET|connection reset/i.test(all)) return "connection reset";
  return texts[0] ?? String(err);
}

/**
 * True when `err` looks like a failure of `fetch` itself (no HTTP answer).
 *
 * @example
 * ```ts
 * isNetworkError(new TypeError("fetch failed")); // true
 * ```
 */
export function isNetworkError(err: unknown): boolean {
  const e = err as { name?: string; code?: string };
  return err instanceof TypeError || e?.name === "TimeoutError" || e?.name === "AbortError" ||
    (typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code)) ||
    e?.name === "ConnectionRefused" || e?.name === "FailedToOpenSocket";
}

/**
 * Whether `url` is plain http to this machine (127.0.0.0/8, ::1, localhost),
 * the only place where credkit talks to a token endpoint without TLS.
 *
 * @example
 * ```ts
 * isLoopbackHttp(new URL("http://127.0.0.1:8080/token")); // true
 * ```
 */
export function isLoopbackHttp(url: URL): boolean {
  if (url.protocol !== "http:") return false;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
