/**
 * Precedence: for each field, the process environment (a variable that is
 * set, even to an empty string), then the keychain, then the file store, then
 * the field's default. Each value carries where it came from.
 *
 * @module
 */
import type { ServiceDef } from "./catalog.ts";
import { CredkitError } from "./errors.ts";
import type { Env } from "./paths.ts";
import type { Fields, SecretBackend, StoreName } from "./store/backend.ts";
import { skippedWhenUnreachable } from "./store/registry.ts";

/** Where a value came from: the environment, a store (registry name), a default or the AuthStore. */
export type Source = "env" | StoreName | "default" | "auth";

/** One resolved field. */
export interface ResolvedField {
  service: string;
  field: string;
  /** The canonical (first) variable. */
  variable: string;
  /** All variables the field feeds. */
  variables: string[];
  value: string | undefined;
  source: Source | null;
  secret: boolean;
}

/** Resolved fields of one service, by field name. */
export type ResolvedService = Record<string, ResolvedField>;

/** Options for {@link resolveServices}. */
export interface ResolveOptions {
  env: Env;
  /** Stores in precedence order (keychain before file). */
  stores: SecretBackend[];
  /**
   * For services with `auth`: the current access token (refreshed), put into
   * the service's secret fields when no variable is set. Absent → not used.
   */
  authToken?: (service: ServiceDef) => Promise<string | undefined>;
  /** Called when a store cannot be read; the store is then skipped. */
  onStoreError?: (store: SecretBackend, error: CredkitError) => void;
}

/**
 * Reads the entries of `services` from each store, once per store and service.
 * A store that becomes unreachable is reported through `onStoreError` and
 * skipped when its registry entry says so (the keychain); for the others (an
 * unreadable file, an undecryptable pass store) it is an error.
 */
async function readStores(
  services: ServiceDef[],
  options: ResolveOptions,
): Promise<Map<SecretBackend, Map<string, Fields>>> {
  const result = new Map<SecretBackend, Map<string, Fields>>();
  await Promise.all(options.stores.map(async (store) => {
    const entries = new Map<string, Fields>();
    try {
      const values = await Promise.all(services.map((s) => store.get(s.name)));
      values.forEach((v, i) => v && entries.set(services[i].name, v));
    } catch (err) {
      if (
        !skippedWhenUnreachable(store.name) || !(err instanceof CredkitError) ||
        !options.onStoreError
      ) {
        throw err;
      }
      options.onStoreError(store, err);
    }
    result.set(store, entries);
  }));
  return result;
}

/**
 * Resolves every field of `services` with its value and source.
 *
 * @example
 * ```ts
 * const r = await resolveServices([BUILTIN_SERVICES.aws], { env: {}, stores: [keychain, file] });
 * r.aws.region.value; // "us-east-1" (source "default") unless stored
 * ```
 */
export async function resolveServices(
  services: ServiceDef[],
  options: ResolveOptions,
): Promise<Record<string, ResolvedService>> {
  const stored = await readStores(services, options);
  const out: Record<string, ResolvedService> = {};
  for (const service of services) {
    const fields: ResolvedService = {};
    let token: string | undefined | null = null; // null: not asked yet
    for (const [name, def] of Object.entries(service.fields)) {
      const base = {
        service: service.name,
        field: name,
        variable: def.env[0],
        variables: def.env,
        secret: def.secret,
      };
      const fromEnv = def.env.find((v) => options.env[v] !== undefined);
      if (fromEnv !== undefined) {
        fields[name] = { ...base, value: options.env[fromEnv], source: "env" };
        continue;
      }
      if (service.auth && def.secret && options.authToken) {
        if (token === null) token = await options.authToken(service);
        if (token !== undefined) {
          fields[name] = { ...base, value: token, source: "auth" };
          continue;
        }
      }
      let found: ResolvedField | undefined;
      for (const store of options.stores) {
        const value = stored.get(store)?.get(service.name)?.[name];
        if (value !== undefined) {
          found = { ...base, value, source: store.name };
          break;
        }
      }
      fields[name] = found ??
        (def.default !== undefined
          ? { ...base, value: def.default, source: "default" }
          : { ...base, value: undefined, source: null });
    }
    out[service.name] = fields;
  }
  return out;
}

/**
 * The environment variables a resolved set provides (every variable of every
 * field that has a value).
 *
 * @example
 * ```ts
 * toEnvironment(resolved); // { AWS_REGION: "us-east-1", ... }
 * ```
 */
export function toEnvironment(resolved: Record<string, ResolvedService>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const fields of Object.values(resolved)) {
    for (const f of Object.values(fields)) {
      if (f.value === undefined) continue;
      for (const v of f.variables) env[v] = f.value;
    }
  }
  return env;
}

/** Variables of fields that have no value, one per field (its canonical variable). */
export function missingVariables(resolved: Record<string, ResolvedService>): string[] {
  return Object.values(resolved).flatMap((fields) =>
    Object.values(fields).filter((f) => f.value === undefined).map((f) => f.variable)
  );
}

/** Secret values among the resolved fields (for masking). */
export function secretValues(resolved: Record<string, ResolvedService>): string[] {
  return [
    ...new Set(
      Object.values(resolved).flatMap((fields) =>
        Object.values(fields).filter((f) => f.secret && f.value).map((f) => f.value as string)
      ),
    ),
  ];
}
