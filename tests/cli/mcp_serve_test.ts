import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.d.ts"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/inMemory.d.ts"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { AuthStore } from "../../src/auth/auth_store.ts";
import { parseConfig } from "../../src/config.ts";
import { createExecutor } from "../../src/executor/executor.ts";
import { createMcpGateway } from "../../src/executor/mcp_gateway.ts";
import { parseToolManifest } from "../../src/executor/manifest.ts";
import { resolveServices } from "../../src/resolve.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { startTestApi } from "../executor/_server.ts";
import { baseEnv, credkitArgv, ROOT, spawnCapture } from "./_spawn.ts";

const TOKEN = "at-mcp-token-0123456789abcdef";
const KEY = "key-mcp-secret-0123456789";

function manifest() {
  return {
    id: "registry",
    type: "http",
    description: "Search, read and publish directives",
    required_scope: "registry:write",
    scopes: { search: null, get: "read", upload: "registry:write" },
    auth: { service: "myapi", header: "Authorization", format: "Bearer {token}" },
    params: { name: { type: "string", description: "directive name" }, limit: { type: "integer" } },
    config: {
      method: "POST",
      url: "${MYAPI_URL}/echo/directives",
      headers: { apikey: "${MYAPI_KEY}" },
      body: { name: "{name}", limit: "{limit}" },
    },
  };
}

function serviceConfig(base: string) {
  return {
    services: {
      myapi: {
        fields: { url: { env: ["MYAPI_URL"] }, key: { env: ["MYAPI_KEY"], secret: true } },
        auth: { type: "oauth2", tokenEndpoint: `${base}/token`, clientId: "c" },
      },
    },
  };
}

type ToolText = { content: { type: string; text: string }[]; isError?: boolean };

Deno.test("MCP gateway in process (official SDK client)", async () => {
  const api = await startTestApi();
  const lockDir = fs.mkdtempSync(join(tmpdir(), "credkit-mcp-"));
  const config = parseConfig(serviceConfig(api.base), "credkit.json");
  const tools = [parseToolManifest(manifest(), "registry.json", config.services)];
  const auth = new AuthStore({
    backend: new MemoryBackend(),
    services: config.services,
    clock: Date.now,
    fetch: globalThis.fetch,
    lockDir,
  });
  const executor = createExecutor({
    manifests: tools,
    resolveVariables: (names) =>
      resolveServices(names.map((n) => config.services[n]), {
        env: { MYAPI_URL: api.base, MYAPI_KEY: KEY },
        stores: [],
      }),
    authStore: auth,
    fetch: globalThis.fetch,
  });
  const server = createMcpGateway({ tools, executor });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "test", version: "1" });
  try {
    await server.connect(a);
    await client.connect(b);
    const { tools: listed } = await client.listTools();
    assert.equal(listed.length, 1);
    const schema = listed[0].inputSchema as {
      properties: Record<string, { enum?: string[]; type?: string }>;
      additionalProperties?: boolean;
    };
    assert.deepEqual(schema.properties.action.enum, ["search", "get", "upload"]);
    assert.equal(schema.properties.limit.type, "integer");
    assert.equal(schema.additionalProperties, false);

    const before = await client.callTool({
      name: "registry",
      arguments: { action: "get" },
    }) as ToolText;
    assert.equal(before.isError, true);
    assert.match(before.content[0].text, /credkit auth signin myapi --scope read/);

    await auth.setToken("myapi", { accessToken: TOKEN, scopes: ["read"] });
    const ok = await client.callTool({
      name: "registry",
      arguments: { action: "get", name: "x" },
    }) as ToolText;
    assert.equal(ok.isError, false, ok.content[0].text);
    assert.equal(api.requests.at(-1)!.headers.authorization, `Bearer ${TOKEN}`);
    assertNoSecrets(JSON.stringify(ok), [TOKEN, KEY]);
    assert.equal(JSON.parse(ok.content[0].text).data.headers.authorization, "Bearer ****");

    const bad = await client.callTool({
      name: "registry",
      arguments: { action: "search", MYAPI_KEY: "${MYAPI_KEY}" },
    }) as ToolText;
    assert.equal(bad.isError, true);
  } finally {
    await client.close();
    await server.close();
    await api.close();
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
});

Deno.test({
  name: "credkit mcp serve over stdio: list, call, sign-in hint, no token in any response",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const api = await startTestApi();
    const root = fs.mkdtempSync(join(tmpdir(), "credkit-mcpserve-"));
    const home = join(root, "home");
    fs.mkdirSync(join(root, ".credkit", "tools"), { recursive: true });
    fs.writeFileSync(join(root, "credkit.json"), JSON.stringify(serviceConfig(api.base)));
    fs.writeFileSync(join(root, ".credkit", "tools", "registry.json"), JSON.stringify(manifest()));
    const env = baseEnv({
      CREDKIT_HOME: home,
      CREDKIT_STORE: "file",
      MYAPI_URL: api.base,
      MYAPI_KEY: KEY,
      // The project declares auth and tools: trusted the way CI trusts it.
      CREDKIT_TRUSTED_CONFIG_PATHS: root,
    });
    const argv = credkitArgv();
    const transport = new StdioClientTransport({
      command: argv[0],
      args: [...argv.slice(1), "mcp", "serve"],
      env,
      cwd: root,
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
    const protocolErrors: Error[] = [];
    transport.onerror = (e: Error) => protocolErrors.push(e);
    const client = new Client({ name: "test", version: "1" });
    try {
      await client.connect(transport);
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["registry"]);

      const unauth = await client.callTool({
        name: "registry",
        arguments: { action: "get", name: "x" },
      }) as ToolText;
      assert.equal(unauth.isError, true);
      assert.match(unauth.content[0].text, /credkit auth signin myapi/);

      const signin = await spawnCapture([...argv, "auth", "signin", "myapi", "--token-stdin"], {
        env,
        cwd: root,
        stdin: JSON.stringify({ access_token: TOKEN, token_type: "bearer", scope: "read" }),
      });
      assert.equal(signin.code, 0, signin.err);

      const ok = await client.callTool({
        name: "registry",
        arguments: { action: "get", name: "x", limit: 2 },
      }) as ToolText;
      assert.equal(ok.isError, false, ok.content[0].text);
      assert.equal(api.requests.at(-1)!.headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(JSON.parse(api.requests.at(-1)!.body), { name: "x", limit: 2 });

      const publicCall = await client.callTool({
        name: "registry",
        arguments: { action: "search" },
      }) as ToolText;
      assert.equal(publicCall.isError, false);
      assert.equal(api.requests.at(-1)!.headers.authorization, undefined);

      const scoped = await client.callTool({
        name: "registry",
        arguments: { action: "upload" },
      }) as ToolText;
      assert.equal(scoped.isError, true);
      assert.match(scoped.content[0].text, /credkit auth signin myapi --scope registry:write/);

      for (const r of [unauth, ok, publicCall, scoped]) {
        assertNoSecrets(JSON.stringify(r), [TOKEN, KEY]);
      }
      assert.deepEqual(protocolErrors, []);
    } finally {
      await client.close();
      await api.close();
      assertNoSecrets(stderr, [TOKEN, KEY]);
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
});

Deno.test("ROOT points at the repository", () => {
  assert.ok(fs.existsSync(join(ROOT, "main.ts")));
});
