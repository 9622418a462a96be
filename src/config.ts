/**
 * credkit.json as one layer over the built-in services, for callers that
 * handle a single file (`mcp import` editing the user config, tests). Commands
 * get the layered, trust-checked config from `./config/layers.ts`.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { BUILTIN_SERVICES, type ServiceDef } from "./catalog.ts";
import { fastCheck } from "./config/check.ts";
import { assertServiceRefs } from "./config/service_refs.ts";
import { validateWithZod } from "./config/schema.ts";
import type { LoadedConfig } from "./config/layers.ts";

export { configJsonSchema, configSchema } from "./config/schema.ts";
export type { BackendDef, ConfigFile, ServerDef } from "./config/schema.ts";
export type { LoadedConfig } from "./config/layers.ts";

/**
 * Validates a parsed credkit.json and merges it with the built-in services
 * (which, as one layer, it may redefine). Throws a usage-kind error naming
 * the file, the field and what was expected.
 *
 * @example
 * ```ts
 * const cfg = parseConfig({ services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } } }, "credkit.json");
 * cfg.services.myapi.fields.token.secret; // true
 * ```
 */
export function parseConfig(data: unknown, path: string): LoadedConfig {
  const file = fastCheck(data) ?? validateWithZod(data, path);
  const services: Record<string, ServiceDef> = { ...BUILTIN_SERVICES };
  for (const [name, svc] of Object.entries(file.services)) {
    services[name] = { name, description: svc.description, fields: svc.fields, auth: svc.auth };
  }
  assertServiceRefs(path, services, file.servers, file.backends);
  return {
    path,
    baseDir: dirname(resolve(path)),
    services,
    servers: file.servers,
    backends: file.backends,
  };
}
