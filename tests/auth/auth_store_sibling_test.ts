import assert from "node:assert/strict";
import { AuthStore, type Refresher } from "../../src/auth/auth_store.ts";
import { AuthenticationRequired } from "../../src/auth/errors.ts";
import type { ServiceDef } from "../../src/catalog.ts";
import { MemoryBackend } from "../../src/store/memory.ts";

const service: ServiceDef = {
  name: "api",
  fields: {},
  auth: { type: "oauth2", tokenEndpoint: "http://127.0.0.1:9/token", clientId: "c" },
};

function store(backend: MemoryBackend, lockDir: string, refresher: Refresher, clock: () => number) {
  return new AuthStore({
    backend,
    services: { api: service },
    refreshers: { oauth2: refresher },
    clock,
    fetch: globalThis.fetch,
    lockDir,
  });
}

Deno.test("invalid_grant never erases tokens a sibling has just rotated", async () => {
  const backend = new MemoryBackend();
  // Two state directories: the sibling does not share this process's lock
  // (another CREDKIT_HOME on the same keychain, or `auth signin` meanwhile).
  const lockA = await Deno.makeTempDir({ prefix: "credkit-sib-a-" });
  const lockB = await Deno.makeTempDir({ prefix: "credkit-sib-b-" });
  let now = 1_000_000_000_000;
  const clock = () => now;
  const fresh = `at-fresh-${crypto.randomUUID()}`;
  const sibling = store(backend, lockB, () => Promise.reject(new Error("unused")), clock);
  const presented: string[] = [];
  const self = store(backend, lockA, async (request) => {
    presented.push(request.refreshToken);
    // The sibling rotated the refresh token first: ours is now rejected.
    await sibling.setToken("api", { accessToken: fresh, refreshToken: "rt-2", expiresIn: 3600 });
    throw new AuthenticationRequired("api", "refresh token rejected");
  }, clock);
  try {
    await self.setToken("api", { accessToken: "at-old", refreshToken: "rt-1", expiresIn: 30 });
    now += 31_000;
    assert.equal(await self.getToken("api"), fresh);
    assert.deepEqual(presented, ["rt-1"]);
    const stored = await backend.get("api");
    assert.equal(stored?.access_token, fresh);
    assert.equal(stored?.refresh_token, "rt-2");
  } finally {
    await Deno.remove(lockA, { recursive: true });
    await Deno.remove(lockB, { recursive: true });
  }
});

Deno.test("invalid_grant with no sibling write still clears the entry", async () => {
  const backend = new MemoryBackend();
  const lockDir = await Deno.makeTempDir({ prefix: "credkit-sib-" });
  let now = 1_000_000_000_000;
  const self = store(
    backend,
    lockDir,
    () => Promise.reject(new AuthenticationRequired("api", "refresh token rejected")),
    () => now,
  );
  try {
    await self.setToken("api", { accessToken: "at-old", refreshToken: "rt-1", expiresIn: 30 });
    now += 31_000;
    await assert.rejects(() => self.getToken("api"), AuthenticationRequired);
    assert.equal(await backend.get("api"), undefined);
  } finally {
    await Deno.remove(lockDir, { recursive: true });
  }
});

Deno.test("invalid_grant keeps the entry's other fields (a client registration)", async () => {
  const backend = new MemoryBackend();
  const lockDir = await Deno.makeTempDir({ prefix: "credkit-sib-" });
  let now = 1_000_000_000_000;
  const self = store(
    backend,
    lockDir,
    () => Promise.reject(new AuthenticationRequired("api", "refresh token rejected")),
    () => now,
  );
  try {
    await self.setToken("api", {
      accessToken: "at-old",
      refreshToken: "rt-1",
      expiresIn: 30,
      extra: { client_id: "registered-client" },
    });
    now += 31_000;
    await assert.rejects(() => self.getToken("api"), AuthenticationRequired);
    assert.deepEqual(await backend.get("api"), { client_id: "registered-client" });
    await assert.rejects(() => self.getToken("api"), AuthenticationRequired);
  } finally {
    await Deno.remove(lockDir, { recursive: true });
  }
});
