/**
 * credkit.json as one layer over the built-in services, for callers that
 * handle a single file (`mcp import` editing the user config, tests). Commands
 * get the layered, trust-checked config from `./config/layers.ts`.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, resolve } from "node:path";
import { BUILTIN_SERVICES, type ServiceDef } from "./catalog.ts";
import { CredkitError } from "./errors.ts";
import { describeFsError, describeJsonError } from "./fs_errors.ts";
import { findConfigFile } from "./config/find.ts";
import { fastCheck } from "./config/check.ts";
import { assertServiceRefs } from "./config/service_refs.ts";
import { validateWithZod } from "./config/schema.ts";
import type { LoadedConfig } from "./config/layers.ts";

export { findConfigFile };
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

/**
 * Loads one config file as a single layer: `explicitPath`, else credkit.json
 * found from `cwd` upwards, else the built-in catalog alone.
 *
 * @example
 * ```ts
 * const cfg = loadConfig({ cwd: "/p", explicitPath: "/p/credkit.json" });
 * ```
 */
export function loadConfig(options: { cwd: string; explicitPath?: string }): LoadedConfig {
  const path = options.explicitPath
    ? resolve(options.cwd, options.explicitPath)
    : findConfigFile(options.cwd);
  if (!path) {
    return { baseDir: options.cwd, services: { ...BUILTIN_SERVICES }, servers: {}, backends: {} };
  }
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch (err) {
    throw new CredkitError("usage", `Cannot read config ${path}`, describeFsError(err));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CredkitError("usage", `Invalid config ${path}`, describeJsonError(text));
  }
  return parseConfig(data, path);
}
