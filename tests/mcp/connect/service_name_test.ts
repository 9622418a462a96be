import assert from "node:assert/strict";
import { defaultServiceName } from "../../../src/mcp/connect/service_name.ts";

Deno.test("defaultServiceName: mcp-<host>[-<port>]", () => {
  assert.equal(
    defaultServiceName(new URL("https://api.githubcopilot.com/mcp/")),
    "mcp-api.githubcopilot.com",
  );
  assert.equal(defaultServiceName(new URL("http://127.0.0.1:8080/mcp")), "mcp-127.0.0.1-8080");
  assert.equal(defaultServiceName(new URL("http://[::1]:9/mcp")), "mcp-__1-9");
});
