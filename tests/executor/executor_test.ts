import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthStore } from "../../src/auth/auth_store.ts";
import { parseConfig } from "../../src/config.ts";
import { createExecutor } from "../../src/executor/executor.ts";
import { coerceParams, validateParams } from "../../src/executor/params.ts";
import { parseToolManifest } from "../../src/executor/manifest.ts";
import { resolveServices } from "../../src/resolve.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { startTestApi, type TestApi } from "./_server.ts";

const KEY = "key-secret-0123456789";
const PAT = "ghp_statictoken0123456789abcdef";
const TOKEN = "at-initial-token-0123456789";

function registry(overrides: Record<string, unknown> = {}) {
  return {
    id: "registry",
    type: "http",
    description: "Search, read and publish directives",
    required_scope: "registry:write",
    scopes: { search: null, get: "read", upload: "registry:write" },
    auth: { service: "myapi", header: "Authorization", format: "Bearer {token}" },
    params: {
      action: { type: "string" },
      name: { type: "string" },
      limit: { type: "integer" },
    },
    config: {
      method: "POST",
      url: "${MYAPI_URL}/echo/directives",
      headers: { apikey: "${MYAPI_KEY}", "Content-Type": "application/json" },
      query: { q: "{name}" },
      body: { action: "{action}", name: "{name}", limit: "{limit}" },
    },
    ...overrides,
  };
}

function setup(
  api: TestApi,
  manifests: unknown[],
  options: { env?: Record<string, string>; fetch?: typeof globalThis.fetch } = {},
) {
  const config = parseConfig({
    services: {
      myapi: {
        fields: {
          url: { env: ["MYAPI_URL"] },
          key: { env: ["MYAPI_KEY"], secret: true },
        },
        auth: { type: "oauth2", tokenEndpoint: `${api.base}/token`, clientId: "credkit-test" },
      },
    },
  }, "credkit.json");
  const env = options.env ?? { MYAPI_URL: api.base, MYAPI_KEY: KEY, GITHUB_TOKEN: PAT };
  const tools = manifests.map((m, i) => parseToolManifest(m, `tool${i}.json`, config.services));
  const lockDir = fs.mkdtempSync(join(tmpdir(), "credkit-exec-"));
  const auth = new AuthStore({
    backend: new MemoryBackend(),
    services: config.services,
    clock: () => Date.now(),
    fetch: globalThis.fetch,
    lockDir,
  });
  const executor = createExecutor({
    manifests: tools,
    resolveVariables: (names) =>
      resolveServices(names.map((n) => config.services[n]), { env, stores: [] }),
    authStore: auth,
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: 3000,
  });
  return {
    executor,
    auth,
    tools,
    cleanup: () => fs.rmSync(lockDir, { recursive: true, force: true }),
  };
}

Deno.test("executor against a local HTTP API", async (t) => {
  const api = await startTestApi();
  try {
    await t.step("the header carries the token; the echoed token is masked", async () => {
      const { executor, auth, cleanup } = setup(api, [registry()]);
      await auth.setToken("myapi", { accessToken: TOKEN, scopes: ["read", "registry:write"] });
      api.requests.length = 0;
      const result = await executor.execute("registry", {
        action: "upload",
        name: "deploy",
        limit: 5,
      });
      cleanup();
      assert.equal(result.success, true, result.error ?? "");
      assert.equal(result.status, 200);
      const seen = api.requests[0];
      assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(seen.headers.apikey, KEY);
      assert.deepEqual(JSON.parse(seen.body), { action: "upload", name: "deploy", limit: 5 });
      assert.equal(seen.path, "/echo/directives?q=deploy");
      const text = JSON.stringify(result);
      assertNoSecrets(text, [TOKEN, KEY]);
      const data = result.data as { headers: Record<string, string> };
      assert.equal(data.headers.authorization, "Bearer ****");
      assert.equal(data.headers.apikey, "****");
      assert.equal(result.headers["x-echo"], "Bearer ****");
      assert.equal(result.headers["set-cookie"], undefined);
      assert.equal(result.metadata.scope, "registry:write");
      assert.equal(result.metadata.auth_required, false);
      assert.equal(result.metadata.tool, "registry");
      assert.equal(result.metadata.action, "upload");
      assert.ok(result.metadata.durationMs >= 0);
    });

    await t.step("a public action sends no Authorization and needs no sign-in", async () => {
      const { executor, cleanup } = setup(api, [registry()]);
      api.requests.length = 0;
      const result = await executor.execute("registry", { action: "search", name: "x" });
      cleanup();
      assert.equal(result.success, true, result.error ?? "");
      assert.equal(api.requests[0].headers.authorization, undefined);
      assert.equal(result.metadata.scope, null);
      // Optional params left out: not in the body.
      assert.deepEqual(JSON.parse(api.requests[0].body), { action: "search", name: "x" });
    });

    await t.step("a missing scope → auth_required, no request made", async () => {
      const { executor, auth, cleanup } = setup(api, [registry()]);
      await auth.setToken("myapi", { accessToken: TOKEN, scopes: ["read"] });
      api.requests.length = 0;
      const result = await executor.execute("registry", { action: "upload", name: "x" });
      cleanup();
      assert.equal(result.success, false);
      assert.equal(result.metadata.auth_required, true);
      assert.equal(result.status, null);
      assert.match(result.error!, /sign in with: credkit auth signin myapi --scope registry:write/);
      assert.equal(api.requests.length, 0);
      assertNoSecrets(JSON.stringify(result), [TOKEN]);
    });

    await t.step(
      "no token at all → auth_required; required_scope applies to unlisted actions",
      async () => {
        const { executor, cleanup } = setup(api, [registry({ scopes: undefined })]);
        const result = await executor.execute("registry", { action: "anything" });
        cleanup();
        assert.equal(result.metadata.auth_required, true);
        assert.equal(result.metadata.scope, "registry:write");
        assert.match(result.error!, /credkit auth signin myapi/);
      },
    );

    await t.step("an expired token is refreshed exactly once for concurrent calls", async () => {
      const { executor, auth, cleanup } = setup(api, [registry()]);
      await auth.setToken("myapi", {
        accessToken: TOKEN,
        refreshToken: "rt-0123456789",
        expiresIn: -10,
        scopes: ["read", "registry:write"],
      });
      api.requests.length = 0;
      const hits = api.tokenHits;
      const results = await Promise.all(
        Array.from({ length: 5 }, () => executor.execute("registry", { action: "get", name: "n" })),
      );
      cleanup();
      assert.equal(api.tokenHits - hits, 1);
      for (const r of results) assert.equal(r.success, true, r.error ?? "");
      const sent = new Set(api.requests.map((r) => r.headers.authorization));
      assert.deepEqual([...sent], [`Bearer at-refreshed-${api.tokenHits}-abcdef`]);
      for (const r of results) {
        assertNoSecrets(JSON.stringify(r), [`at-refreshed-${api.tokenHits}-abcdef`, TOKEN]);
      }
    });

    await t.step("a parameter holding ${VAR} is sent literally, never expanded", async () => {
      const { executor, cleanup } = setup(api, [registry()]);
      api.requests.length = 0;
      const result = await executor.execute("registry", { action: "search", name: "${MYAPI_KEY}" });
      cleanup();
      assert.equal(result.success, true, result.error ?? "");
      const seen = api.requests[0];
      assert.equal(JSON.parse(seen.body).name, "${MYAPI_KEY}");
      assert.equal(new URL(seen.path, api.base).searchParams.get("q"), "${MYAPI_KEY}");
      assert.ok(!seen.body.includes(KEY) && !seen.path.includes(KEY));
    });

    await t.step("undeclared parameters (a credential name) are refused", async () => {
      const { executor, tools, cleanup } = setup(api, [registry()]);
      api.requests.length = 0;
      const result = await executor.execute("registry", { action: "search", MYAPI_KEY: "x" });
      cleanup();
      assert.equal(result.success, false);
      assert.equal(result.metadata.error_kind, "invalid_params");
      assert.match(result.error!, /unknown parameter "MYAPI_KEY"/);
      assert.equal(api.requests.length, 0);
      assert.match(validateParams(tools[0], { limit: 1.5 })!, /integer/);
      assert.match(validateParams(tools[0], { action: "delete" })!, /one of: search, get, upload/);
      assert.deepEqual(coerceParams(tools[0], { limit: "7", name: "a=b" }), {
        limit: 7,
        name: "a=b",
      });
      assert.throws(() => coerceParams(tools[0], { limit: "x" }), /expected an integer/);
    });

    await t.step("a service without token auth uses its stored secret (PAT)", async () => {
      const gh = {
        id: "gh",
        type: "http",
        description: "GitHub-like",
        auth: { service: "github" },
        config: { url: `${api.base}/echo/user` },
      };
      const { executor, cleanup } = setup(api, [gh]);
      api.requests.length = 0;
      const result = await executor.execute("gh", {});
      cleanup();
      assert.equal(result.success, true, result.error ?? "");
      assert.equal(api.requests[0].headers.authorization, `Bearer ${PAT}`);
      assertNoSecrets(JSON.stringify(result), [PAT]);
    });

    await t.step("missing credential variables → missing_credentials naming them", async () => {
      const { executor, cleanup } = setup(api, [registry()], { env: {} });
      const result = await executor.execute("registry", { action: "search" });
      cleanup();
      assert.equal(result.metadata.error_kind, "missing_credentials");
      assert.deepEqual(result.metadata.missing, ["MYAPI_URL", "MYAPI_KEY"]);
      assert.match(result.error!, /credkit add myapi/);
    });

    await t.step("redirects: same origin followed, another origin refused", async () => {
      const other = await startTestApi();
      try {
        const manifest = registry({
          scopes: undefined,
          required_scope: undefined,
          params: { to: { type: "string", required: true } },
          config: { url: "${MYAPI_URL}/redirect", query: { to: "{to}" } },
        });
        const { executor, auth, cleanup } = setup(api, [manifest]);
        await auth.setToken("myapi", { accessToken: TOKEN });
        const same = await executor.execute("registry", { to: `${api.base}/echo/after` });
        assert.equal(same.success, true, same.error ?? "");
        assert.equal((same.data as { path: string }).path, "/echo/after");
        const away = await executor.execute("registry", { to: `${other.base}/echo/stolen` });
        cleanup();
        assert.equal(away.success, false);
        assert.match(away.error!, /not followed/);
        assert.equal(other.requests.length, 0);
      } finally {
        await other.close();
      }
    });

    await t.step("a parameter cannot choose the host", async () => {
      const { executor, cleanup } = setup(api, [
        registry({
          scopes: undefined,
          required_scope: undefined,
          params: { path: { type: "string" } },
          config: { url: "${MYAPI_URL}{path}" },
        }),
      ]);
      api.requests.length = 0;
      const result = await executor.execute("registry", { path: ".evil.example/x" });
      cleanup();
      assert.equal(result.success, false);
      assert.match(result.error!, /host would depend on a parameter/);
      assert.equal(api.requests.length, 0);
    });

    await t.step("HTTP errors and timeouts are failures with masked text", async () => {
      const manifest = (path: string) =>
        registry({
          id: path.replace(/\W/g, "") || "x",
          scopes: undefined,
          required_scope: undefined,
          params: {},
          config: { url: `\${MYAPI_URL}${path}` },
        });
      const { executor, auth, cleanup } = setup(api, [manifest("/status/403"), manifest("/slow")]);
      await auth.setToken("myapi", { accessToken: TOKEN });
      const denied = await executor.execute("status403", {});
      assert.equal(denied.success, false);
      assert.equal(denied.status, 403);
      assert.equal(denied.metadata.error_kind, "http_error");
      assert.equal(denied.data, "status 403 for Bearer ****");
      const slow = createExecutor({
        manifests: executor.tools,
        resolveVariables: () =>
          resolveServices([], { env: {}, stores: [] }).then(() => ({
            myapi: {
              url: {
                service: "myapi",
                field: "url",
                variable: "MYAPI_URL",
                variables: ["MYAPI_URL"],
                value: api.base,
                source: "env" as const,
                secret: false,
              },
            },
          })),
        authStore: auth,
        fetch: globalThis.fetch,
        timeoutMs: 200,
      });
      const timedOut = await slow.execute("slow", {});
      cleanup();
      assert.equal(timedOut.success, false);
      assert.match(timedOut.error!, /timed out after 200 ms/);
    });

    await t.step("unknown tool", async () => {
      const { executor, cleanup } = setup(api, [registry()]);
      const result = await executor.execute("nope", {});
      cleanup();
      assert.equal(result.metadata.error_kind, "unknown_tool");
      assert.match(result.error!, /known: registry/);
    });
  } finally {
    await api.close();
  }
});

Deno.test("executor: where credentials may go (dot segments, plain http) and encoded echoes", async (t) => {
  const api = await startTestApi();
  const item = (overrides: Record<string, unknown> = {}) => ({
    id: "item",
    type: "http",
    description: "One item",
    auth: { service: "myapi" },
    params: { id: { type: "string", required: true } },
    config: { url: "${MYAPI_URL}/echo/items/{id}", query: { api_key: "${MYAPI_KEY}" } },
    ...overrides,
  });
  try {
    await t.step(
      "a {param} of . or .. in the URL path is refused; no request is made",
      async () => {
        const { executor, auth, cleanup } = setup(api, [item()]);
        await auth.setToken("myapi", { accessToken: TOKEN });
        api.requests.length = 0;
        for (const id of ["..", "."]) {
          const result = await executor.execute("item", { id });
          assert.equal(result.success, false);
          assert.equal(result.metadata.error_kind, "invalid_params");
          assert.match(result.error!, /parameter "id": "\." and "\.\." are not allowed/);
        }
        assert.equal(api.requests.length, 0);
        // Everything else is percent-encoded and stays one segment.
        const ok = await executor.execute("item", { id: "../a/.." });
        cleanup();
        assert.equal(ok.success, true, ok.error ?? "");
        assert.equal(api.requests[0].path.split("?")[0], "/echo/items/..%2Fa%2F..");
      },
    );

    await t.step("a percent-encoded secret echoed by the server is masked", async () => {
      const key = "key/Pl+us=S3cr3t-" + crypto.randomUUID().slice(0, 8);
      const { executor, auth, cleanup } = setup(api, [item()], {
        env: { MYAPI_URL: api.base, MYAPI_KEY: key },
      });
      await auth.setToken("myapi", { accessToken: TOKEN });
      api.requests.length = 0;
      const result = await executor.execute("item", { id: "7" });
      cleanup();
      assert.equal(result.success, true, result.error ?? "");
      assert.ok(api.requests[0].path.includes(encodeURIComponent(key)), api.requests[0].path);
      const data = result.data as { target: string; query: Record<string, string> };
      assert.equal(data.target, "/echo/items/7?api_key=****");
      assert.equal(data.query.api_key, "****");
      const text = JSON.stringify(result);
      assertNoSecrets(text, [key, encodeURIComponent(key), TOKEN]);
    });

    await t.step(
      "a token over plain http to another host is refused unless allow_http",
      async () => {
        const seen: string[] = [];
        const recording: typeof globalThis.fetch = (input) => {
          seen.push(String(input instanceof Request ? input.url : input));
          return Promise.resolve(
            new Response("{}", { headers: { "content-type": "application/json" } }),
          );
        };
        const env = { MYAPI_URL: "http://api.example.test", MYAPI_KEY: KEY };
        for (const allow of [false, true]) {
          const manifest = item({ auth: { service: "myapi", allow_http: allow } });
          const { executor, auth, cleanup } = setup(api, [manifest], { env, fetch: recording });
          await auth.setToken("myapi", { accessToken: TOKEN });
          const result = await executor.execute("item", { id: "1" });
          cleanup();
          if (allow) {
            assert.equal(result.success, true, result.error ?? "");
            assert.equal(seen.length, 1);
          } else {
            assert.equal(result.success, false);
            assert.match(result.error!, /refusing to send the myapi token over plain http/);
            assert.equal(seen.length, 0);
          }
        }
        // A loopback API over http is allowed (the rest of this file relies on it).
      },
    );
  } finally {
    await api.close();
  }
});
