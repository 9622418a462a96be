import assert from "node:assert/strict";
import { BUILTIN_SERVICES } from "../../src/catalog.ts";
import { CredkitError } from "../../src/errors.ts";
import { parseToolManifest } from "../../src/executor/manifest.ts";
import { coerceParams, validateParams } from "../../src/executor/params.ts";

const tool = parseToolManifest(
  {
    id: "t",
    type: "http",
    description: "t",
    scopes: { search: null, get: null },
    params: {
      name: { type: "string", required: true },
      limit: { type: "integer" },
      ratio: { type: "number" },
      dry: { type: "boolean" },
      tags: { type: "array" },
      filter: { type: "object" },
      color: { type: "string", enum: ["red", "blue"] },
    },
    config: { url: "https://api.example.com/x" },
  },
  "t.json",
  BUILTIN_SERVICES,
);

Deno.test("validateParams: types, enums, required, undeclared names", () => {
  assert.equal(validateParams(tool, { name: "x", limit: 2, tags: [], filter: {} }), undefined);
  assert.equal(validateParams(tool, { name: "x", limit: null }), undefined);
  assert.match(validateParams(tool, { name: "x", limit: 1.5 })!, /"limit" must be of type integer/);
  assert.match(validateParams(tool, { name: "x", ratio: Infinity })!, /type number/);
  assert.match(validateParams(tool, { name: "x", filter: [] })!, /type object/);
  assert.match(validateParams(tool, { name: "x", color: "green" })!, /one of: red, blue/);
  assert.match(validateParams(tool, { name: "x", action: "delete" })!, /one of: search, get/);
  assert.match(validateParams(tool, {})!, /missing required parameter "name"/);
  assert.match(validateParams(tool, { name: "x", GITHUB_TOKEN: "v" })!, /unknown parameter/);
});

Deno.test("coerceParams: command-line text to the declared types", () => {
  assert.deepEqual(
    coerceParams(tool, {
      name: "a=b",
      limit: "7",
      ratio: "0.5",
      dry: "1",
      tags: '["a"]',
      filter: '{"k":1}',
    }),
    { name: "a=b", limit: 7, ratio: 0.5, dry: true, tags: ["a"], filter: { k: 1 } },
  );
  assert.deepEqual(coerceParams(tool, { dry: "false" }), { dry: false });
  for (
    const [raw, why] of [
      [{ limit: "x" }, /expected an integer/],
      [{ limit: "1.5" }, /expected an integer/],
      [{ ratio: " " }, /expected a number/],
      [{ dry: "yes" }, /expected true or false/],
      [{ tags: "[" }, /expected a JSON array/],
      [{ nope: "1" }, /Unknown parameter nope for tool t/],
    ] as const
  ) {
    assert.throws(
      () => coerceParams(tool, raw as Record<string, string>),
      (err: unknown) =>
        err instanceof CredkitError && err.kind === "usage" && why.test(err.message),
    );
  }
});
