/**
 * Sending a tool's request and reading its answer: redirects followed only
 * within the origin the credentials were meant for, a timeout, a bounded
 * body, JSON or text, and every secret masked in what is handed back.
 *
 * @module
 */
import { concatBytes } from "../bytes.ts";
import type { ToolRequest } from "./request.ts";
import { CallError, type ToolResult } from "./result.ts";

const MAX_REDIRECTS = 5;

/** Limits of {@link sendToolRequest}. */
export interface SendLimits {
  /** Milliseconds for the whole exchange, redirects and body included. */
  timeoutMs: number;
  /** Largest response body read, in bytes. */
  maxBytes: number;
}

/** The answer to a tool's request, body read in full. */
export interface ToolResponse {
  /** The HTTP status. */
  status: number;
  /** The HTTP status text (may be empty). */
  statusText: string;
  /** Whether the status is 2xx. */
  ok: boolean;
  /** The response headers. */
  headers: Headers;
  /** The body, decoded as UTF-8 (empty when there is none). */
  text: string;
}

/**
 * Sends `request` through `fetch`, following redirects only within its
 * origin (at most 5; 303, and 301/302 after a POST, become a GET without a
 * body), and reads the body. Throws a {@link CallError} `request_failed` on a
 * timeout, a network error, a redirect elsewhere or a body over the limit.
 *
 * @example
 * ```ts
 * const response = await sendToolRequest(fetch, request, { timeoutMs: 30000, maxBytes: 10 << 20 });
 * response.status; // 200
 * ```
 */
export async function sendToolRequest(
  fetch: typeof globalThis.fetch,
  request: ToolRequest,
  limits: SendLimits,
): Promise<ToolResponse> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let { method, url, body } = request;
  const headers = request.headers;
  try {
    for (let hop = 0;; hop++) {
      const res = await fetch(url, { method, headers, body, redirect: "manual", signal });
      const location = res.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) {
        const text = await readBody(res, limits.maxBytes);
        const { status, statusText, ok } = res;
        return { status, statusText, ok, headers: res.headers, text };
      }
      await res.body?.cancel().catch(() => {});
      if (hop >= MAX_REDIRECTS) throw new CallError("request_failed", "too many redirects");
      const next = new URL(location, url);
      if (next.origin !== url.origin) {
        throw new CallError(
          "request_failed",
          `redirected to ${next.origin}; not followed, so credentials stay with ${url.origin}`,
        );
      }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        headers.delete("content-type");
      }
      url = next;
    }
  } catch (err) {
    if (err instanceof CallError) throw err;
    const name = (err as Error)?.name;
    if (name === "TimeoutError" || (name === "AbortError" && signal.aborted)) {
      throw new CallError("request_failed", `request timed out after ${limits.timeoutMs} ms`);
    }
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    const why = cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
    throw new CallError("request_failed", `request failed: ${String(why).split("\n")[0]}`);
  }
}

/**
 * Puts `response` into `result`: its status, its headers (lower-case names,
 * `set-cookie` dropped) and its body (JSON when it is JSON, else text), each
 * string passed through `mask`.
 *
 * @example
 * ```ts
 * recordResponse(result, response, stringMasker([token]));
 * result.data; // { items: [...] }
 * ```
 */
export function recordResponse(
  result: ToolResult,
  response: ToolResponse,
  mask: (text: string) => string,
): void {
  result.status = response.status;
  for (const [k, v] of response.headers) {
    if (k.toLowerCase() === "set-cookie") continue;
    result.headers[mask(k.toLowerCase())] = mask(v);
  }
  result.data = maskDeep(parseBody(response.text, response.headers.get("content-type")), mask);
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
  return new TextDecoder().decode(concatBytes(chunks, total));
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
