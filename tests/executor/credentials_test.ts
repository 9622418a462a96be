import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthStore } from "../../src/auth/auth_store.ts";
import { parseConfig } from "../../src/config.ts";
import {
  requireVariables,
  resolveToolCredentials,
  toolToken,
} from "../../src/executor/credentials.ts";
import { parseToolManifest, scopeFor } from "../../src/executor/manifest.ts";
import { CallError } from "../../src/executor/result.ts";
import { resolveServices } from "../../src/resolve.ts";
import { MemoryBackend } from "../../src/store/memory.ts";

const KEY = "key-" + "cred-0123456789";
const PAT = "ghp_" + "credtest0123456789abcdef";
const TOKEN = "at-" + "cred-token-0123456789";

const config = parseConfig({
  services: {
    myapi: {
      fields: { url: { env: ["MYAPI_URL"] }, key: { env: ["MYAPI_KEY"], secret: true } },
      auth: { type: "oauth2", tokenEndpoint: "http://127.0.0.1:9/token", clientId: "c" },
    },
  },
}, "credkit.json");

const registry = parseToolManifest(
  {
    id: "registry",
    type: "http",
    description: "r",
    scopes: { search: null, upload: "registry:write" },
    auth: { service: "myapi" },
    config: { url: "${MYAPI_URL}/x", headers: { apikey: "${MYAPI_KEY}" } },
  },
  "registry.json",
  config.services,
);
const gh = parseToolManifest(
  {
    id: "gh",
    type: "http",
    description: "g",
    auth: { service: "github" },
    config: { url: "https://api.github.com/user" },
  },
  "gh.json",
  config.services,
);

function resolver(env: Record<string, string>) {
  return (names: string[]) =>
    resolveServices(names.map((n) => config.services[n]), { env, stores: [] });
}

async function callError(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CallError, String(err));
    return err;
  }
  assert.fail("expected a CallError");
}

Deno.test("resolveToolCredentials and requireVariables", async () => {
  const full = await resolveToolCredentials(
    registry,
    resolver({ MYAPI_URL: "https://api.example.com", MYAPI_KEY: KEY }),
  );
  assert.equal(full.env.MYAPI_URL, "https://api.example.com");
  assert.ok(full.secrets.includes(KEY));
  requireVariables(registry, full);

  const partial = await resolveToolCredentials(registry, resolver({ MYAPI_URL: "https://a" }));
  let err: unknown;
  try {
    requireVariables(registry, partial);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CallError);
  assert.equal(err.kind, "missing_credentials");
  assert.deepEqual(err.missing, ["MYAPI_KEY"]);
  assert.match(err.message, /credkit add myapi/);
});

Deno.test("toolToken: public actions send none; stored tokens, PAT fallback, sign-in needed", async () => {
  const lockDir = fs.mkdtempSync(join(tmpdir(), "credkit-cred-"));
  try {
    const auth = new AuthStore({
      backend: new MemoryBackend(),
      services: config.services,
      clock: () => Date.now(),
      fetch: globalThis.fetch,
      lockDir,
    });
    const creds = await resolveToolCredentials(
      registry,
      resolver({ MYAPI_URL: "https://a", MYAPI_KEY: KEY }),
    );
    const m = registry.manifest;
    assert.equal(await toolToken(m, scopeFor(m, "search"), creds, auth), undefined);

    const none = await callError(toolToken(m, scopeFor(m, "upload"), creds, auth));
    assert.equal(none.kind, "auth_required");
    assert.match(none.message, /credkit auth signin myapi --scope registry:write/);

    await auth.setToken("myapi", { accessToken: TOKEN, scopes: ["registry:write"] });
    assert.equal(await toolToken(m, scopeFor(m, "upload"), creds, auth), TOKEN);

    const ghCreds = await resolveToolCredentials(gh, resolver({ GITHUB_TOKEN: PAT }));
    assert.equal(await toolToken(gh.manifest, undefined, ghCreds, auth), PAT);
    const noPat = await resolveToolCredentials(gh, resolver({}));
    const err = await callError(toolToken(gh.manifest, undefined, noPat, auth));
    assert.equal(err.kind, "auth_required");
    assert.match(err.message, /credkit auth signin github$/);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
});
