/**
 * Reader for an ipfs_kit `~/.ipfs_kit/config.json`, and detection of the
 * format of a file given to `credkit import --from-file`.
 *
 * @module
 */
import { CredkitError } from "../errors.ts";

/** The formats `credkit import --from-file` understands. */
export type ImportFormat = "ipfs_kit" | "dotenv";

/**
 * Reads the `credentials` section of an ipfs_kit config,
 * `{"credentials": {service: {field: value}}}`, as service → field → string.
 * Numbers and booleans become strings (`8080` → `"8080"`, `true` → `"true"`);
 * a `null` field counts as absent; other keys of the file are ignored.
 *
 * @param text the file's content (a leading BOM is ignored).
 * @param source how to name the file in errors. Default: `"ipfs_kit config"`.
 * @throws {CredkitError} naming the JSON path at fault (e.g.
 *   `credentials.aws.region`) and never a value; invalid JSON is reported
 *   with its position only.
 * @example
 * ```ts
 * parseIpfsKitConfig('{"credentials": {"aws": {"region": "eu-west-1", "port": 9000}}}');
 * // { aws: { region: "eu-west-1", port: "9000" } }
 * ```
 */
export function parseIpfsKitConfig(
  text: string,
  source = "ipfs_kit config",
): Record<string, Record<string, string>> {
  const fail = (why: string) =>
    new CredkitError(
      "error",
      `Cannot read ${source}`,
      why,
      'expected {"credentials": {"<service>": {"<field>": "<value>"}}}',
    );
  let root: unknown;
  try {
    root = JSON.parse(stripBom(text));
  } catch (err) {
    throw fail(`not valid JSON${jsonErrorPosition(err)}`);
  }
  if (!isPlainObject(root)) throw fail(`$: expected an object, got ${kindOf(root)}`);
  if (!Object.hasOwn(root, "credentials")) throw fail("credentials: missing");
  const credentials = root.credentials;
  if (!isPlainObject(credentials)) {
    throw fail(`credentials: expected an object, got ${kindOf(credentials)}`);
  }
  const services: [string, Record<string, string>][] = [];
  for (const [service, fields] of Object.entries(credentials)) {
    const servicePath = pathOf(["credentials", service]);
    if (!isPlainObject(fields)) {
      throw fail(`${servicePath}: expected an object, got ${kindOf(fields)}`);
    }
    const out: [string, string][] = [];
    for (const [field, value] of Object.entries(fields)) {
      if (value === null) continue;
      if (typeof value === "string") out.push([field, value]);
      else if (typeof value === "number" || typeof value === "boolean") {
        out.push([field, String(value)]);
      } else {
        throw fail(
          `${pathOf(["credentials", service, field])}: expected a string, number or boolean, got ${
            kindOf(value)
          }`,
        );
      }
    }
    services.push([service, Object.fromEntries(out)]);
  }
  return Object.fromEntries(services);
}

/**
 * Decides how `credkit import --from-file` reads a file: `"ipfs_kit"` when the
 * content is a JSON object with a `credentials` key, or when it looks like
 * JSON at all (starts with `{`) or the path ends in `.json`, so that a broken
 * config is reported by {@link parseIpfsKitConfig} instead of being read as
 * an empty `.env`; `"dotenv"` otherwise.
 *
 * @example
 * ```ts
 * detectImportFormat("/home/u/.ipfs_kit/config.json", '{"credentials": {}}'); // "ipfs_kit"
 * detectImportFormat(".env", "HF_TOKEN=hf_x\n"); // "dotenv"
 * ```
 */
export function detectImportFormat(path: string, text: string): ImportFormat {
  const trimmed = stripBom(text).trimStart();
  if (trimmed.startsWith("{")) {
    try {
      const root: unknown = JSON.parse(trimmed);
      if (isPlainObject(root) && Object.hasOwn(root, "credentials")) return "ipfs_kit";
    } catch {
      // reported by parseIpfsKitConfig
    }
    return "ipfs_kit";
  }
  return /\.json$/i.test(path) ? "ipfs_kit" : "dotenv";
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** `credentials.aws.region`, or `credentials["my.svc"]` for keys that need quoting. */
function pathOf(keys: string[]): string {
  return keys.map((k, i) =>
    /^[A-Za-z_$][\w$-]*$/.test(k) ? (i === 0 ? k : `.${k}`) : `[${JSON.stringify(k)}]`
  ).join("");
}

/**
 * The position of a JSON syntax error, from the runtime's message, without
 * any of the text around it (that text may be a secret).
 */
function jsonErrorPosition(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  const lineColumn = /line (\d+) column (\d+)/.exec(message);
  if (lineColumn) return ` at line ${lineColumn[1]}, column ${lineColumn[2]}`;
  const position = /position (\d+)/.exec(message);
  if (position) return ` at position ${position[1]}`;
  return "";
}
