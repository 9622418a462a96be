import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authStoreFromContext } from "../../src/auth/context_store.ts";
import { assertNoSecrets, makeTestContext } from "../_helpers.ts";
import { startTestApi } from "../executor/_server.ts";
import { cliWith } from "./_cli.ts";

const TOKEN = "at-cli-token-0123456789abcdef";
const KEY = "key-cli-secret-0123456789";

function project(base: string) {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-toolcli-"));
  const dir = join(root, ".credkit", "tools");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    join(dir, "registry.json"),
    JSON.stringify({
      id: "registry",
      type: "http",
      description: "Registry",
      scopes: { search: null, upload: "registry:write" },
      auth: { service: "myapi" },
      params: { name: { type: "string", required: true }, limit: { type: "integer" } },
      config: {
        method: "POST",
        url: "${MYAPI_URL}/echo/d",
        headers: { apikey: "${MYAPI_KEY}" },
        body: { name: "{name}", limit: "{limit}" },
      },
    }),
  );
  const config = {
    services: {
      myapi: {
        fields: { url: { env: ["MYAPI_URL"] }, key: { env: ["MYAPI_KEY"], secret: true } },
        auth: { type: "oauth2", tokenEndpoint: `${base}/token`, clientId: "c" },
      },
    },
  };
  return { root, config };
}

Deno.test("credkit tool list / run", async (t) => {
  const api = await startTestApi();
  const { root, config } = project(api.base);
  try {
    const tc = makeTestContext({
      config,
      // The tools were found by search: trusted the way CI trusts them.
      env: { CREDKIT_TRUSTED_CONFIG_PATHS: root },
      cwd: root,
      stateDir: join(root, "state"),
      keychain: { myapi: { url: api.base, key: KEY } },
    });

    await t.step("list shows the tool and its actions; --json too", async () => {
      const r = await cliWith(tc, ["tool", "list"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /registry\s+myapi\s+search upload\(registry:write\)\s+Registry/);
      const j = await cliWith(tc, ["tool", "list", "--json"]);
      const parsed = JSON.parse(j.out);
      assert.equal(parsed.tools[0].id, "registry");
      assert.deepEqual(parsed.tools[0].actions, { search: null, upload: "registry:write" });
      assert.deepEqual(parsed.tools[0].params.action.enum, ["search", "upload"]);
    });

    await t.step("run without sign-in → exit 3 and the sign-in hint", async () => {
      const r = await cliWith(tc, [
        "tool",
        "run",
        "registry",
        "--action",
        "upload",
        "--param",
        "name=x",
      ]);
      assert.equal(r.code, 3);
      const result = JSON.parse(r.out);
      assert.equal(result.metadata.auth_required, true);
      assert.match(result.error, /credkit auth signin myapi --scope registry:write/);
      assert.match(r.err, /credkit auth signin myapi/);
    });

    await t.step("run with a token → result JSON, masked; typed params", async () => {
      await authStoreFromContext(tc.ctx).setToken("myapi", {
        accessToken: TOKEN,
        scopes: ["registry:write"],
      });
      api.requests.length = 0;
      const r = await cliWith(tc, [
        "tool",
        "run",
        "registry",
        "--action",
        "upload",
        "--param",
        "name=a=b",
        "--param",
        "limit=3",
      ]);
      assert.equal(r.code, 0, r.err);
      assert.equal(api.requests[0].headers.authorization, `Bearer ${TOKEN}`);
      assert.deepEqual(JSON.parse(api.requests[0].body), { name: "a=b", limit: 3 });
      const result = JSON.parse(r.out);
      assert.equal(result.success, true);
      assert.equal(result.data.headers.authorization, "Bearer ****");
      assertNoSecrets(r.out + r.err, [TOKEN, KEY]);
    });

    await t.step("bad parameters → exit 2; unknown tool → exit 2", async () => {
      assert.equal(
        (await cliWith(tc, ["tool", "run", "registry", "--param", "limit=x", "--param", "name=y"]))
          .code,
        2,
      );
      assert.equal(
        (await cliWith(tc, ["tool", "run", "registry", "--param", "GITHUB_TOKEN=y"])).code,
        2,
      );
      assert.equal((await cliWith(tc, ["tool", "run", "registry", "--action", "search"])).code, 2);
      const unknown = await cliWith(tc, ["tool", "run", "nope"]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /Unknown tool "nope".*known tools: registry/);
      assert.equal((await cliWith(tc, ["tool", "frobnicate"])).code, 2);
    });

    await t.step("an HTTP failure → exit 1", async () => {
      fs.writeFileSync(
        join(root, ".credkit", "tools", "broken.json"),
        JSON.stringify({
          id: "broken",
          type: "http",
          description: "always 500",
          config: { url: "${MYAPI_URL}/status/500" },
        }),
      );
      const r = await cliWith(tc, ["tool", "run", "broken"]);
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.out).status, 500);
    });

    await t.step("--tools-dir that does not exist is an error", async () => {
      const r = await cliWith(tc, ["tool", "list", "--tools-dir", join(root, "nowhere")]);
      assert.equal(r.code, 2);
      assert.match(r.err, /no such directory/);
    });
  } finally {
    await api.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
