/**
 * The one check that every service a server or backend names is declared.
 *
 * @module
 */
import type { ServiceDef } from "../catalog.ts";
import { CredkitError } from "../errors.ts";

/**
 * Throws a usage error (exit 2) naming the config, the field and the service
 * when a server or backend names a service that is not declared.
 *
 * @example
 * ```ts
 * assertServiceRefs("credkit.json", services, { web: { services: ["aws"] } }, {});
 * ```
 */
export function assertServiceRefs(
  where: string,
  services: Record<string, ServiceDef>,
  servers: Record<string, { services: string[] }>,
  backends: Record<string, { services: string[] }>,
): void {
  for (
    const [at, list] of [
      ...Object.entries(servers).map(([n, s]) => [`servers.${n}`, s.services] as const),
      ...Object.entries(backends).map(([n, b]) => [`backends.${n}`, b.services] as const),
    ]
  ) {
    for (const s of list) {
      if (!Object.hasOwn(services, s)) {
        throw new CredkitError(
          "usage",
          `Invalid config ${where}`,
          `${at}.services: unknown service "${s}"`,
          `declare it under "services" or use one of: ${Object.keys(services).join(", ")}`,
        );
      }
    }
  }
}
