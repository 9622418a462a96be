/**
 * Writes the published JSON Schemas generated from the zod schemas:
 * `credkit.schema.json` (credkit.json) and `credkit-tool.schema.json` (tool
 * manifests under `.credkit/tools/`). With `--check`, fails when a
 * committed schema is out of date instead of writing it.
 *
 * @module
 */
import * as fs from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { configJsonSchema } from "../src/config.ts";
import { toolJsonSchema } from "../src/executor/manifest_schema.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outputs: [string, unknown][] = [
  ["credkit.schema.json", configJsonSchema()],
  ["credkit-tool.schema.json", toolJsonSchema()],
];
let stale = 0;
for (const [name, schema] of outputs) {
  const text = JSON.stringify(schema, null, 2) + "\n";
  const path = join(root, name);
  if (process.argv.includes("--check")) {
    if (!fs.existsSync(path) || fs.readFileSync(path, "utf8") !== text) {
      console.error(`${name} is out of date: run deno run -A scripts/gen_schema.ts`);
      stale++;
    }
  } else {
    fs.writeFileSync(path, text);
  }
}
process.exit(stale ? 1 : 0);
