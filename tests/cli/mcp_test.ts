import assert from "node:assert/strict";
import { parseMcpOptions } from "../../src/cli/mcp.ts";
import type { ParsedArgs } from "../../src/cli/context.ts";
import { CredkitError } from "../../src/errors.ts";

const args = (positionals: string[], values: ParsedArgs["values"] = {}): ParsedArgs => ({
  positionals,
  values,
  rest: [],
});
const usage = (err: unknown) => err instanceof CredkitError && err.exitCode === 2;

Deno.test("mcp options: serve and import parsed once", () => {
  assert.deepEqual(parseMcpOptions(args(["serve"], { "tools-dir": "tools" })), {
    sub: "serve",
    toolsDir: "tools",
  });
  assert.deepEqual(
    parseMcpOptions(args(["import", "mcp.json"], { client: "cursor", "dry-run": true })),
    {
      sub: "import",
      file: "mcp.json",
      client: "cursor",
      dryRun: true,
      force: false,
      restore: undefined,
      bin: undefined,
    },
  );
  const restore = parseMcpOptions(args(["import"], { restore: "b.json", force: true }));
  assert.equal(restore.sub, "import");
  if (restore.sub !== "import") return;
  assert.equal(restore.file, undefined);
  assert.equal(restore.restore, "b.json");
  assert.equal(restore.force, true);
});

Deno.test("mcp options: connect takes one URL, headers, split scopes", () => {
  assert.deepEqual(
    parseMcpOptions(args(["connect", "https://mcp.example/mcp"], {
      header: ["Authorization: Bearer ${T}"],
      scope: ["read write", "admin"],
      service: "mcp-x",
      "client-id": "cid",
      "no-browser": true,
    })),
    {
      sub: "connect",
      url: "https://mcp.example/mcp",
      headers: ["Authorization: Bearer ${T}"],
      service: "mcp-x",
      scopes: ["read", "write", "admin"],
      clientId: "cid",
      noBrowser: true,
    },
  );
  assert.throws(() => parseMcpOptions(args(["connect"])), /no URL given/);
  assert.throws(() => parseMcpOptions(args(["connect", "a", "b"])), /more than one URL/);
});

Deno.test("mcp options: a missing or unknown subcommand is a usage error (exit 2)", () => {
  assert.throws(() => parseMcpOptions(args([])), usage);
  assert.throws(() => parseMcpOptions(args(["gateway"])), /unknown subcommand "gateway"/);
});
