import assert from "node:assert/strict";
import { parseBearerChallenge } from "../../../src/mcp/connect/challenge.ts";

Deno.test("parseBearerChallenge reads resource_metadata, scope and error", () => {
  assert.deepEqual(
    parseBearerChallenge(
      'Bearer error="invalid_token", resource_metadata="https://m.example/.well-known/oauth-protected-resource/mcp", scope="a b"',
    ),
    {
      resourceMetadata: "https://m.example/.well-known/oauth-protected-resource/mcp",
      scopes: ["a", "b"],
      error: "invalid_token",
    },
  );
});

Deno.test("parseBearerChallenge: unquoted values, other schemes first, escapes", () => {
  assert.deepEqual(parseBearerChallenge('Basic realm="x", Bearer scope=read, error="a\\"b"'), {
    resourceMetadata: undefined,
    scopes: ["read"],
    error: 'a"b',
  });
  assert.deepEqual(parseBearerChallenge("Bearer"), {
    resourceMetadata: undefined,
    scopes: [],
    error: undefined,
  });
});

Deno.test("parseBearerChallenge: no Bearer challenge → undefined", () => {
  assert.equal(parseBearerChallenge(null), undefined);
  assert.equal(parseBearerChallenge('Basic realm="x"'), undefined);
  assert.equal(parseBearerChallenge("NotBearer x=1"), undefined);
});
