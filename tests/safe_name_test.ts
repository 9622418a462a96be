import assert from "node:assert/strict";
import { safeName } from "../src/safe_name.ts";

Deno.test("safeName keeps letters, digits, _ . - and replaces everything else with _", () => {
  assert.equal(safeName("ipfs-mcp_1.2"), "ipfs-mcp_1.2");
  assert.equal(safeName("my server/1"), "my_server_1");
  assert.equal(safeName("../etc"), ".._etc");
  assert.equal(safeName("é"), "_");
  assert.equal(safeName(""), "");
});

Deno.test("safeName never yields a path separator", () => {
  for (const name of ["a/b", "a\\b", "/", "x\0y"]) {
    const safe = safeName(name);
    assert.ok(!safe.includes("/") && !safe.includes("\\") && !safe.includes("\0"), safe);
  }
});
