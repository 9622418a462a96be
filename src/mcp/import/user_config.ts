/**
 * Declares the services `mcp import` creates in the user config
 * (`userConfigFile(env)`), edited in place as JSONC (the user's comments and
 * order survive), written atomically with mode 0600 under a lock file.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname } from "node:path";
import { parseConfig } from "../../config.ts";
import { CredkitError } from "../../errors.ts";
import { describeFsError } from "../../fs_errors.ts";
import { writeFileAtomic } from "../../fs_write.ts";
import { withFileLock } from "../../store/lock.ts";
import { jsoncText, parseJsonc, setJsonc } from "./jsonc.ts";

/** A service to declare: its fields' variables (all secret). */
export interface ServiceDeclaration {
  /** The service's name. */
  service: string;
  /** What it is for (which client server it came from). */
  description: string;
  /** field → variable. */
  fields: Record<string, string>;
}

/**
 * The field name for variable `variable`.
 *
 * @example
 * ```ts
 * fieldFor("GITHUB_PERSONAL_ACCESS_TOKEN"); // "github_personal_access_token"
 * ```
 */
export function fieldFor(variable: string): string {
  return variable.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/**
 * Adds (or completes) the declarations in the user config `path`. Fields
 * already declared are kept; nothing is written when nothing changes. The
 * result is validated before it is written.
 *
 * @example
 * ```ts
 * await declareServices("/h/.config/credkit/credkit.json", [
 *   { service: "mcp-cursor-github", description: "…", fields: { github_token: "GITHUB_TOKEN" } },
 * ]);
 * ```
 */
export async function declareServices(
  path: string,
  declarations: ServiceDeclaration[],
): Promise<boolean> {
  if (!declarations.length) return false;
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return await withFileLock(`${path}.lock`, () => {
    let raw = "{}\n";
    let exists = false;
    try {
      raw = fs.readFileSync(path, "utf8");
      exists = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new CredkitError("error", `Cannot read config ${path}`, describeFsError(err));
      }
    }
    const { doc, data } = parseJsonc(raw, path);
    const services = (data.services ?? {}) as Record<string, { fields?: Record<string, unknown> }>;
    const before = doc.text;
    for (const d of declarations) {
      const current = services[d.service];
      if (!current) {
        setJsonc(doc, ["services", d.service], {
          description: d.description,
          fields: Object.fromEntries(
            Object.entries(d.fields).map(([f, v]) => [f, { env: [v], secret: true }]),
          ),
        });
        continue;
      }
      for (const [f, v] of Object.entries(d.fields)) {
        if (current.fields?.[f] === undefined) {
          setJsonc(doc, ["services", d.service, "fields", f], { env: [v], secret: true });
        }
      }
    }
    if (doc.text === before && exists) return false;
    const { data: after } = parseJsonc(jsoncText(doc), path);
    parseConfig(after, path);
    writeFileAtomic(path, jsoncText(doc), 0o600);
    return true;
  });
}
