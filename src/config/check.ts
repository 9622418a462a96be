/**
 * A strict, dependency-free check of credkit.json that accepts exactly what
 * the zod schema (`./schema.ts`) accepts and returns the same value with the
 * same defaults. It only ever answers "valid, here it is" or "ask zod": for
 * anything it is not sure of (an invalid file, a URL zod would rewrite, a key
 * named `__proto__`) it returns `undefined`, and the caller loads zod, which
 * decides and words the error. A valid file thus costs no schema library.
 * `tests/config/check_test.ts` compares the two on generated inputs.
 *
 * @module
 */
import type { ConfigFile } from "./schema.ts";

type Obj = Record<string, unknown>;

/** Thrown inside the check to mean "let zod decide". */
const UNSURE = Symbol("unsure");

function unsure(): never {
  throw UNSURE;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const FIELD_NAME = /^[a-z0-9_]+$/;

function obj(v: unknown, allowed: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) unsure();
  const o = v as Obj;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) unsure();
  return o;
}

function record(v: unknown, key: (k: string) => boolean): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) unsure();
  for (const k of Object.keys(v)) if (k === "__proto__" || !key(k)) unsure();
  return v as Obj;
}

function str(v: unknown, min = 0): string {
  if (typeof v !== "string" || v.length < min) unsure();
  return v;
}

function optStr(o: Obj, out: Obj, k: string): void {
  if (k in o) out[k] = str(o[k]);
}

function strArray(v: unknown, item: (s: unknown) => string, min = 0): string[] {
  if (!Array.isArray(v) || v.length < min) unsure();
  return v.map(item);
}

function int(v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) unsure();
  return v;
}

/** A URL zod accepts unchanged: no surrounding space, tab or newline to strip. */
function url(v: unknown): string {
  const s = str(v);
  if (s !== s.trim() || /[\t\n\r]/.test(s) || !URL.canParse(s)) unsure();
  return s;
}

const envName = (v: unknown) => (ENV_NAME.test(str(v)) ? (v as string) : unsure());
const serviceName = (v: unknown) => (SERVICE_NAME.test(str(v)) ? (v as string) : unsure());

function field(v: unknown): Obj {
  const o = obj(v, ["env", "secret", "default"]);
  const out: Obj = { env: strArray(o.env, envName, 1), secret: false };
  if ("secret" in o) {
    if (typeof o.secret !== "boolean") unsure();
    out.secret = o.secret;
  }
  optStr(o, out, "default");
  return out;
}

function auth(v: unknown): Obj {
  const type = (v as Obj | null)?.type;
  const o = type === "oauth2"
    ? obj(v, [
      "type",
      "tokenEndpoint",
      "deviceAuthorizationEndpoint",
      "clientId",
      "clientSecret",
      "scopes",
      "refreshMarginSeconds",
    ])
    : type === "supabase"
    ? obj(v, ["type", "refreshMarginSeconds"])
    : unsure();
  const out: Obj = { type };
  if (type === "oauth2") {
    out.tokenEndpoint = url(o.tokenEndpoint);
    if ("deviceAuthorizationEndpoint" in o) {
      out.deviceAuthorizationEndpoint = url(o.deviceAuthorizationEndpoint);
    }
    out.clientId = str(o.clientId, 1);
    optStr(o, out, "clientSecret");
    if ("scopes" in o) out.scopes = strArray(o.scopes, (s) => str(s));
  }
  if ("refreshMarginSeconds" in o) out.refreshMarginSeconds = int(o.refreshMarginSeconds, 0);
  return out;
}

function service(v: unknown): Obj {
  const o = obj(v, ["description", "fields", "auth"]);
  const out: Obj = {};
  optStr(o, out, "description");
  const fields = record(o.fields, (k) => FIELD_NAME.test(k));
  out.fields = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, field(f)]));
  if ("auth" in o) out.auth = auth(o.auth);
  return out;
}

function server(v: unknown): Obj {
  const o = obj(v, [
    "command",
    "args",
    "cwd",
    "services",
    "ready",
    "restart",
    "stopTimeoutMs",
  ]);
  const out: Obj = { command: str(o.command, 1) };
  out.args = "args" in o ? strArray(o.args, (s) => str(s)) : [];
  optStr(o, out, "cwd");
  out.services = "services" in o ? strArray(o.services, serviceName) : [];
  if ("ready" in o) {
    const r = obj(o.ready, ["url", "logLine", "timeoutMs"]);
    const ready: Obj = {};
    if ("url" in r) ready.url = url(r.url);
    optStr(r, ready, "logLine");
    ready.timeoutMs = "timeoutMs" in r ? int(r.timeoutMs, 1) : 15000;
    out.ready = ready;
  }
  const r = "restart" in o ? obj(o.restart, ["maxRestarts", "backoffMs", "maxBackoffMs"]) : {};
  out.restart = {
    maxRestarts: "maxRestarts" in r ? int(r.maxRestarts, 0) : 5,
    backoffMs: "backoffMs" in r ? int(r.backoffMs, 1) : 500,
    maxBackoffMs: "maxBackoffMs" in r ? int(r.maxBackoffMs, 1) : 30000,
  };
  out.stopTimeoutMs = "stopTimeoutMs" in o ? int(o.stopTimeoutMs, 1) : 5000;
  return out;
}

function backend(v: unknown): Obj {
  const o = obj(v, ["services", "command", "cwd", "timeoutMs"]);
  const out: Obj = { services: "services" in o ? strArray(o.services, serviceName) : [] };
  out.command = strArray(o.command, (s) => str(s), 1);
  optStr(o, out, "cwd");
  if ("timeoutMs" in o) out.timeoutMs = int(o.timeoutMs, 1);
  return out;
}

function section(o: Obj, k: string, key: (k: string) => boolean, each: (v: unknown) => Obj): Obj {
  if (!(k in o)) return {};
  const entries = Object.entries(record(o[k], key));
  return Object.fromEntries(entries.map(([name, v]) => [name, each(v)]));
}

/**
 * The validated credkit.json with defaults applied, exactly as the zod schema
 * would return it, or `undefined` when zod must decide (the file may be
 * invalid: load `./schema.ts` for the verdict and the message).
 *
 * @example
 * ```ts
 * fastCheck({ servers: { web: { command: "node" } } })?.servers.web.args; // []
 * fastCheck({ services: { Bad: { fields: {} } } }); // undefined: ask zod
 * ```
 */
export function fastCheck(data: unknown): ConfigFile | undefined {
  try {
    const o = obj(data, ["$schema", "services", "servers", "backends"]);
    const out: Obj = {};
    optStr(o, out, "$schema");
    out.services = section(o, "services", (k) => SERVICE_NAME.test(k), service);
    out.servers = section(o, "servers", (k) => k.length >= 1, server);
    out.backends = section(o, "backends", (k) => k.length >= 1, backend);
    return out as ConfigFile;
  } catch (err) {
    if (err === UNSURE) return undefined;
    throw err;
  }
}
