/**
 * The HTTP request of a tool call, built from the manifest's templates: the
 * URL (its host never chosen by a parameter, no `.`/`..` segment from one),
 * the query, the headers (no line break from a parameter), the token in its
 * header (not over plain http to another machine) and the body.
 *
 * @module
 */
import type { LoadedTool } from "./manifest.ts";
import { CallError } from "./result.ts";
import {
  expandBody,
  expandTemplate,
  fixesOrigin,
  paramText,
  urlPrefixBeforeParams,
  wholeParam,
} from "./template.ts";
import { dotSegmentProblem, plainHttpProblem } from "./url_guard.ts";

/** An HTTP request ready to send. */
export interface ToolRequest {
  /** The method of the manifest's `config.method`. */
  method: string;
  /** The expanded URL, query included. */
  url: URL;
  /** The expanded headers, the token's header, `content-type` and `accept`. */
  headers: Headers;
  /** The expanded body, `undefined` when the manifest has none. */
  body?: string;
}

/**
 * Builds the request of a call from `tool`'s templates, with `env` for the
 * `${VAR}` variables, `params` for `{param}` and `token` (when there is one)
 * in the manifest's auth header. Throws a {@link CallError} when the result
 * would send credentials somewhere the manifest did not mean.
 *
 * @example
 * ```ts
 * const request = buildToolRequest(tool, { action: "search", name: "x" }, creds.env, token);
 * request.url.href; // "https://…/rest/v1/directives"
 * ```
 */
export function buildToolRequest(
  tool: LoadedTool,
  params: Record<string, unknown>,
  env: Record<string, string>,
  token: string | undefined,
): ToolRequest {
  const variable = (name: string) => env[name] ?? "";
  const text = (p: string) => paramText(params[p]);
  const c = tool.manifest.config;
  const url = expandUrl(c.url, variable, text);
  for (const [k, tpl] of Object.entries(c.query)) {
    const whole = wholeParam(tpl);
    if (whole !== undefined && (params[whole] === undefined || params[whole] === null)) continue;
    url.searchParams.append(k, expandTemplate(tpl, variable, text));
  }
  const headers = new Headers();
  for (const [k, tpl] of Object.entries(c.headers)) {
    const value = expandTemplate(tpl, variable, text);
    if (/[\r\n\0]/.test(value)) {
      throw new CallError("invalid_params", `header ${k}: the value contains a line break`);
    }
    headers.set(k, value);
  }
  const auth = tool.manifest.auth;
  if (auth && token !== undefined) {
    const plain = plainHttpProblem(url, auth);
    if (plain) throw new CallError("request_failed", plain);
    headers.set(auth.header, auth.format.split("{token}").join(token));
  }
  let body: string | undefined;
  if (c.body !== undefined) {
    const expanded = expandBody(c.body, variable, params);
    if (typeof expanded === "string") {
      body = expanded;
      if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
    } else {
      body = JSON.stringify(expanded);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    }
  }
  if (!headers.has("accept")) {
    headers.set("accept", "application/json, text/plain;q=0.9, */*;q=0.5");
  }
  return { method: c.method, url, headers, body };
}

/** The URL of `template`, parameters URL-encoded; refused when a parameter could move it. */
function expandUrl(
  template: string,
  variable: (name: string) => string,
  text: (param: string) => string,
): URL {
  const urlText = expandTemplate(template, variable, (p) => encodeURIComponent(text(p)));
  const dots = dotSegmentProblem(
    urlText,
    expandTemplate(template, variable, () => "x"),
    template,
    text,
  );
  if (dots) throw new CallError("invalid_params", dots);
  const prefix = urlPrefixBeforeParams(template);
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
  return url;
}
