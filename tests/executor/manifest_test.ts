import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILTIN_SERVICES } from "../../src/catalog.ts";
import { CredkitError } from "../../src/errors.ts";
import {
  findToolsDir,
  loadToolManifests,
  parseToolManifest,
  scopeFor,
} from "../../src/executor/manifest.ts";
import { toolJsonSchema } from "../../src/executor/manifest_schema.ts";
import { expandTemplate } from "../../src/executor/template.ts";

/** The example of DESIGN.md, "Tool manifests". */
const DESIGN_EXAMPLE = {
  id: "registry",
  type: "http",
  description: "Search, read and publish directives in the registry",
  required_scope: "registry:write",
  scopes: { search: null, get: null, upload: "registry:write" },
  auth: { service: "supabase", header: "Authorization", format: "Bearer {token}" },
  params: { action: { type: "string" }, name: { type: "string" } },
  config: {
    method: "POST",
    url: "${SUPABASE_URL}/rest/v1/directives",
    headers: { apikey: "${SUPABASE_ANON_KEY}", "Content-Type": "application/json" },
    body: { action: "{action}", name: "{name}" },
  },
};

function refused(data: unknown, pattern: RegExp): CredkitError {
  try {
    parseToolManifest(data, "/p/.credkit/tools/registry.json", BUILTIN_SERVICES);
  } catch (err) {
    assert.ok(err instanceof CredkitError, String(err));
    assert.equal(err.kind, "usage");
    assert.match(err.message, /Invalid tool manifest \/p\/\.credkit\/tools\/registry\.json/);
    assert.match(err.message, pattern);
    return err;
  }
  throw new Error("expected the manifest to be refused");
}

Deno.test("the DESIGN.md example loads", () => {
  const tool = parseToolManifest(DESIGN_EXAMPLE, "registry.json", BUILTIN_SERVICES);
  assert.deepEqual(tool.variables.sort(), ["SUPABASE_ANON_KEY", "SUPABASE_URL"]);
  assert.deepEqual(tool.services, ["supabase"]);
  assert.deepEqual(tool.params.action.enum, ["search", "get", "upload"]);
  assert.equal(scopeFor(tool.manifest, "search"), null);
  assert.equal(scopeFor(tool.manifest, "upload"), "registry:write");
  assert.equal(scopeFor(tool.manifest, "other"), "registry:write");
  assert.equal(scopeFor(tool.manifest, undefined), "registry:write");
});

Deno.test("an unknown ${VAR} is refused at load, naming the file and the field", () => {
  refused(
    {
      ...DESIGN_EXAMPLE,
      config: { ...DESIGN_EXAMPLE.config, headers: { apikey: "${NOT_A_VAR}" } },
    },
    /config\.headers\.apikey: unknown variable \$\{NOT_A_VAR\}/,
  );
  refused(
    { ...DESIGN_EXAMPLE, config: { ...DESIGN_EXAMPLE.config, body: { deep: ["x", "${HOME}"] } } },
    /config\.body\.deep\.1: unknown variable \$\{HOME\}/,
  );
});

Deno.test("manifest checks: params, auth, scopes, schema", () => {
  refused(
    { ...DESIGN_EXAMPLE, config: { ...DESIGN_EXAMPLE.config, url: "https://x/{nope}" } },
    /unknown parameter \{nope\}/,
  );
  refused(
    { ...DESIGN_EXAMPLE, params: { GITHUB_TOKEN: { type: "string" } } },
    /params\.GITHUB_TOKEN: a parameter cannot be named like the credential variable/,
  );
  refused(
    { ...DESIGN_EXAMPLE, auth: { service: "nope" } },
    /auth\.service: unknown service "nope"/,
  );
  refused({ ...DESIGN_EXAMPLE, auth: undefined }, /no auth block/);
  refused({ ...DESIGN_EXAMPLE, type: "shell" }, /type:/);
  refused({ ...DESIGN_EXAMPLE, extra: 1 }, /extra|unrecognized/i);
  refused(
    {
      ...DESIGN_EXAMPLE,
      params: { host: { type: "string" } },
      config: { url: "https://{host}/x" },
    },
    /config\.url: a \{param\} before the end of the host/,
  );
  refused(
    { ...DESIGN_EXAMPLE, config: { method: "GET", url: "https://x/", body: {} } },
    /GET request has no body/,
  );
  refused(
    { ...DESIGN_EXAMPLE, auth: { service: "supabase", format: "Bearer" } },
    /must contain \{token\}/,
  );
});

Deno.test("template expansion is a single pass", () => {
  const vars: Record<string, string> = { A: "alpha", SECRET: "s3cr3t" };
  const out = expandTemplate(
    "${A}/{p}/{q}",
    (v) => vars[v] ?? "",
    (p) => (p === "p" ? "${SECRET}" : "{p}"),
  );
  assert.equal(out, "alpha/${SECRET}/{p}");
});

Deno.test("loading a tools directory: sorted, unique ids, file named in errors", () => {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-tools-"));
  try {
    const dir = join(root, ".credkit", "tools");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(join(dir, "b.json"), JSON.stringify({ ...DESIGN_EXAMPLE, id: "b" }));
    fs.writeFileSync(join(dir, "a.json"), JSON.stringify({ ...DESIGN_EXAMPLE, id: "a" }));
    fs.writeFileSync(join(dir, "notes.txt"), "ignored");
    assert.deepEqual(loadToolManifests(dir, BUILTIN_SERVICES).map((t) => t.manifest.id), [
      "a",
      "b",
    ]);
    fs.mkdirSync(join(root, "sub", "deeper"), { recursive: true });
    assert.equal(findToolsDir({ cwd: join(root, "sub", "deeper") }), dir);
    assert.equal(findToolsDir({ cwd: "/", configPath: join(root, "credkit.json") }), dir);

    fs.writeFileSync(join(dir, "c.json"), JSON.stringify({ ...DESIGN_EXAMPLE, id: "a" }));
    assert.throws(
      () => loadToolManifests(dir, BUILTIN_SERVICES),
      /c\.json: id: "a" is already used by a\.json/,
    );
    fs.writeFileSync(join(dir, "c.json"), "{ not json");
    assert.throws(
      () => loadToolManifests(dir, BUILTIN_SERVICES),
      /Invalid tool manifest .*c\.json/,
    );
    assert.deepEqual(loadToolManifests(join(root, "missing"), BUILTIN_SERVICES), []);
    assert.throws(
      () => loadToolManifests(join(root, "missing"), BUILTIN_SERVICES, { required: true }),
      /no such directory/,
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("toolJsonSchema is a JSON Schema of the manifest", () => {
  const schema = toolJsonSchema() as {
    title: string;
    properties: Record<string, unknown>;
    required: string[];
  };
  assert.equal(schema.title, "credkit tool manifest");
  for (
    const key of [
      "id",
      "type",
      "description",
      "required_scope",
      "scopes",
      "auth",
      "params",
      "config",
    ]
  ) {
    assert.ok(key in schema.properties, key);
  }
  assert.ok(schema.required.includes("id") && schema.required.includes("config"));
});
