import assert from "node:assert/strict";
import {
  fillPlaceholders,
  fillUrl,
  parseHeaderOptions,
  placeholderNames,
} from "../../../src/mcp/connect/placeholders.ts";
import { CredkitError, exitCodeFor } from "../../../src/errors.ts";

Deno.test("placeholderNames lists each ${VAR} once", () => {
  assert.deepEqual(placeholderNames(["Bearer ${A}", "${B}-${A}", "$C {D}"]), ["A", "B"]);
});

Deno.test("fillPlaceholders fills, and a missing value is exit 3 naming only the variable", () => {
  assert.equal(fillPlaceholders("Bearer ${T}", { T: "v" }), "Bearer v");
  assert.throws(() => fillPlaceholders("Bearer ${T}", {}), (err: unknown) => {
    assert.ok(err instanceof CredkitError);
    assert.equal(exitCodeFor(err), 3);
    assert.match(err.message, /\$\{T\} has no value/);
    return true;
  });
});

Deno.test("parseHeaderOptions splits at the first colon and refuses bad names", () => {
  assert.deepEqual(parseHeaderOptions(["Authorization: Bearer ${T}", "X-A:b:c"]), [
    { name: "Authorization", value: "Bearer ${T}" },
    { name: "X-A", value: "b:c" },
  ]);
  assert.throws(() => parseHeaderOptions(["no colon"]), CredkitError);
  assert.throws(() => parseHeaderOptions(["bad name: v"]), CredkitError);
});

Deno.test("fillUrl fills query values only", () => {
  const url = fillUrl(new URL("https://m.example/mcp?key=${K}&x=1"), { K: "a/b+c" });
  assert.equal(url.searchParams.get("key"), "a/b+c");
  assert.equal(url.searchParams.get("x"), "1");
  assert.equal(url.pathname, "/mcp");
});

Deno.test("${CREDKIT_DOLLAR:-$}{VAR} (written by mcp import for Claude Code) is ${VAR}", () => {
  const text = "Bearer ${CREDKIT_DOLLAR:-$}{MCP_HEADER_AUTHORIZATION}";
  assert.deepEqual(placeholderNames([text]), ["MCP_HEADER_AUTHORIZATION"]);
  assert.equal(fillPlaceholders(text, { MCP_HEADER_AUTHORIZATION: "t0k" }), "Bearer t0k");
});
