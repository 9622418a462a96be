import assert from "node:assert/strict";
import { discoverAuthServer } from "../../../src/mcp/connect/discovery.ts";
import { startRemote } from "./_remote.ts";

Deno.test({
  name: "discoverAuthServer: RFC 9728 metadata, then the authorization server's metadata",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const remote = await startRemote({});
    try {
      const info = await discoverAuthServer({ serverUrl: new URL(remote.mcp), fetch });
      assert.equal(info.issuer, remote.as);
      assert.equal(info.resource, remote.mcp);
      assert.equal(info.authorizationEndpoint, `${remote.as}/auth`);
      assert.equal(info.tokenEndpoint, `${remote.as}/token`);
      assert.equal(info.registrationEndpoint, `${remote.as}/reg`);
      assert.ok(info.scopesSupported.includes("mcp:tools"));
    } finally {
      await remote.close();
    }
  },
});
