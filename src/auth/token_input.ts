/**
 * What `auth signin --token-stdin` reads: a bare access token or an RFC 6749
 * §5.1 JSON token response.
 *
 * @module
 */
import { usageError } from "../errors.ts";
import { tokenSetFromResponse } from "./oauth2.ts";
import type { TokenSet } from "./token_types.ts";

/**
 * Parses what `auth signin --token-stdin` reads: a bare access token, or an
 * RFC 6749 §5.1 JSON token response. Error messages never quote the input.
 *
 * @example
 * ```ts
 * parseTokenInput('{"access_token":"a","refresh_token":"r","expires_in":3600,"scope":"read"}');
 * parseTokenInput("ghp_abc\n"); // { accessToken: "ghp_abc" }
 * ```
 */
export function parseTokenInput(text: string): TokenSet {
  const trimmed = text.trim();
  if (!trimmed) throw usageError("Cannot read a token from stdin", "stdin is empty");
  if (trimmed.startsWith("{")) {
    let body: unknown;
    try {
      body = JSON.parse(trimmed);
    } catch {
      throw usageError("Cannot read a token from stdin", "it starts with { but is not valid JSON");
    }
    const obj = body as Record<string, unknown>;
    if (typeof obj.access_token !== "string" || !obj.access_token) {
      throw usageError("Cannot read a token from stdin", 'the JSON has no "access_token" string');
    }
    if (obj.expires_in !== undefined && !Number.isFinite(Number(obj.expires_in))) {
      throw usageError("Cannot read a token from stdin", '"expires_in" is not a number');
    }
    return tokenSetFromResponse(obj);
  }
  if (/\s/.test(trimmed)) {
    throw usageError(
      "Cannot read a token from stdin",
      "expected one token, or a JSON token response",
    );
  }
  return { accessToken: trimmed };
}
