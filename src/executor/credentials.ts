/**
 * The credentials of one tool call: its `${VAR}` variables resolved (env >
 * keychain > file), every one of them present, and the token its action
 * needs from the AuthStore (none for a public action).
 *
 * @module
 */
import type { AuthStore } from "../auth/auth_store.ts";
import { AuthenticationRequired } from "../auth/errors.ts";
import { type ResolvedService, secretValues, toEnvironment } from "../resolve.ts";
import type { LoadedTool } from "./manifest.ts";
import type { ToolManifest } from "./manifest_schema.ts";
import { CallError } from "./result.ts";

/** Resolves the credential variables of the given services (env > keychain > file). */
export type VariableResolver = (services: string[]) => Promise<Record<string, ResolvedService>>;

/** The resolved credentials of a tool's services. */
export interface ToolCredentials {
  /** Each service's fields, with their values and sources. */
  resolved: Record<string, ResolvedService>;
  /** Variable → value, for `${VAR}` templates. */
  env: Record<string, string>;
  /** Every secret value among them (to mask). */
  secrets: string[];
}

/**
 * Resolves the variables of a tool's services (env > keychain > file).
 *
 * @example
 * ```ts
 * const creds = await resolveToolCredentials(tool, resolveVariables);
 * creds.env.SUPABASE_URL; // "https://…"
 * ```
 */
export async function resolveToolCredentials(
  tool: LoadedTool,
  resolveVariables: VariableResolver,
): Promise<ToolCredentials> {
  const resolved = tool.services.length ? await resolveVariables(tool.services) : {};
  return { resolved, env: toEnvironment(resolved), secrets: secretValues(resolved) };
}

/**
 * Ends the call with `missing_credentials` (naming the variables and
 * `credkit add` with their services) when a variable the tool uses has no
 * value.
 *
 * @example
 * ```ts
 * requireVariables(tool, creds); // throws CallError("missing_credentials", …) when SUPABASE_URL is unset
 * ```
 */
export function requireVariables(tool: LoadedTool, creds: ToolCredentials): void {
  const missing = tool.variables.filter((v) => creds.env[v] === undefined);
  if (!missing.length) return;
  const services = [
    ...new Set(
      Object.values(creds.resolved).flatMap((fields) =>
        Object.values(fields).filter((f) => missing.some((v) => f.variables.includes(v)))
          .map((f) => f.service)
      ),
    ),
  ];
  throw new CallError(
    "missing_credentials",
    `missing credentials: ${missing.join(", ")}; add them with: credkit add ${
      services.join(" / ")
    }`,
    missing,
  );
}

/**
 * The token the call sends: `undefined` when the tool has no `auth` or the
 * action is public (`scope` `null`), else the AuthStore's token for `scope`.
 * A service without token auth (a personal access token, an API key) is
 * authenticated by its stored secret field when no particular scope is
 * needed. Otherwise a missing sign-in ends the call with `auth_required`,
 * naming `credkit auth signin`.
 *
 * @example
 * ```ts
 * const token = await toolToken(tool.manifest, scopeFor(tool.manifest, "upload"), creds, authStore);
 * ```
 */
export async function toolToken(
  manifest: ToolManifest,
  scope: string | null | undefined,
  creds: ToolCredentials,
  authStore: Pick<AuthStore, "getToken">,
): Promise<string | undefined> {
  if (!manifest.auth || scope === null) return undefined;
  const service = manifest.auth.service;
  try {
    return await authStore.getToken(service, scope ? { scope } : {});
  } catch (err) {
    if (!(err instanceof AuthenticationRequired)) throw err;
    const fallback = scope === undefined && err.reason === "no token"
      ? Object.values(creds.resolved[service] ?? {}).find((f) => f.secret && f.value)?.value
      : undefined;
    if (fallback !== undefined) return fallback;
    const scopeHint = err.scope ?? scope;
    throw new CallError(
      "auth_required",
      `Authentication required for ${service} (${err.reason}); sign in with: credkit auth signin ${service}${
        scopeHint ? ` --scope ${scopeHint}` : ""
      }`,
    );
  }
}
