import assert from "node:assert/strict";
import { createServer } from "node:net";
import { AuthStore, type Refresher } from "../../src/auth/auth_store.ts";
import { AuthenticationRequired, RefreshError } from "../../src/auth/errors.ts";
import { refreshOAuth2 } from "../../src/auth/oauth2.ts";
import { exitCodeFor, formatError } from "../../src/errors.ts";
import type { Fields, SecretBackend } from "../../src/store/backend.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import type { ServiceDef } from "../../src/catalog.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { rejectsWith } from "../_helpers.ts";
import { type OidcServer, startOidc } from "./_oidc.ts";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function makeStore(
  services: Record<string, ServiceDef>,
  lockDir: string,
  options: {
    backend?: SecretBackend;
    refreshers?: Record<string, Refresher>;
    clock?: () => number;
  } = {},
) {
  const backend = options.backend ?? new MemoryBackend({ name: "keychain" });
  const auth = new AuthStore({
    backend,
    services,
    clock: options.clock ?? (() => Date.now()),
    fetch: globalThis.fetch,
    lockDir,
    refreshers: options.refreshers,
  });
  return { auth, backend };
}

Deno.test("AuthStore against oidc-provider", async (t) => {
  const oidc: OidcServer = await startOidc({ accessTtl: 3600 });
  const lockDir = await Deno.makeTempDir({ prefix: "credkit-auth-" });
  const api = oidc.service("api");
  const services = { api };
  try {
    await t.step(
      "expired token + 1000 concurrent getToken → one refresh, same new token",
      async () => {
        const seeded = await oidc.seed();
        const { auth, backend } = makeStore(services, lockDir);
        await auth.setToken("api", {
          accessToken: seeded.access_token,
          refreshToken: seeded.refresh_token,
          expiresIn: -5,
          scopes: seeded.scope.split(" "),
        });
        await oidc.reset();
        await oidc.delay(50);
        const tokens = await Promise.all(Array.from({ length: 1000 }, () => auth.getToken("api")));
        await oidc.delay(0);
        const stats = await oidc.stats();
        assert.deepEqual(stats.refreshRequests, 1);
        assert.deepEqual(stats.reuseDetected, 0);
        assert.deepEqual(new Set(tokens).size, 1);
        assert.notDeepEqual(tokens[0], seeded.access_token);
        assert((await oidc.introspect(tokens[0])).active);
        const stored = await backend.get("api");
        assert.deepEqual(stored?.access_token, tokens[0]);
        assert.notDeepEqual(stored?.refresh_token, seeded.refresh_token);
      },
    );

    await t.step("two AuthStores sharing a store and lock dir → still one refresh", async () => {
      const seeded = await oidc.seed();
      const backend = new MemoryBackend({ name: "keychain" });
      const a = makeStore(services, lockDir, { backend }).auth;
      const b = makeStore(services, lockDir, { backend }).auth;
      await a.setToken("api", {
        accessToken: seeded.access_token,
        refreshToken: seeded.refresh_token,
        expiresIn: -5,
      });
      await b.getCachedMetadata("api"); // b has read the expired token too
      await oidc.reset();
      await oidc.delay(50);
      const tokens = await Promise.all([
        ...Array.from({ length: 300 }, () => a.getToken("api")),
        ...Array.from({ length: 300 }, () => b.getToken("api")),
      ]);
      await oidc.delay(0);
      assert.deepEqual((await oidc.stats()).refreshRequests, 1);
      assert.deepEqual(new Set(tokens).size, 1);
    });

    await t.step("cached getToken makes no backend call", async () => {
      const seeded = await oidc.seed();
      const { auth, backend } = makeStore(services, lockDir);
      const mem = backend as MemoryBackend;
      await auth.setToken("api", { accessToken: seeded.access_token, expiresIn: 3600 });
      const before = { ...mem.calls };
      for (let i = 0; i < 100; i++) {
        assert.deepEqual(await auth.getToken("api"), seeded.access_token);
      }
      assert.deepEqual(mem.calls, before);
      // A fresh AuthStore reads the backend once, then answers from memory.
      const other = makeStore(services, lockDir, { backend }).auth;
      await other.getToken("api");
      const afterFirst = { ...mem.calls };
      for (let i = 0; i < 100; i++) await other.getToken("api");
      assert.deepEqual(mem.calls, afterFirst);
      assert.deepEqual(afterFirst.get, before.get + 1);
    });

    await t.step(
      "rotated refresh token is saved before the new access token is returned",
      async () => {
        const seeded = await oidc.seed();
        const events: string[] = [];
        const inner = new MemoryBackend({ name: "keychain" });
        const backend: SecretBackend = {
          name: "keychain",
          get: (e) => inner.get(e),
          list: () => inner.list(),
          remove: (e) => inner.remove(e),
          async set(e: string, f: Fields) {
            events.push(`set:${f.refresh_token}`);
            await inner.set(e, f);
          },
        };
        let rotated = "";
        const { auth } = makeStore(services, lockDir, {
          backend,
          refreshers: {
            oauth2: async (req) => {
              const set = await refreshOAuth2(req);
              rotated = set.refreshToken!;
              events.push(`response:${rotated}`);
              return set;
            },
          },
        });
        await auth.setToken("api", {
          accessToken: seeded.access_token,
          refreshToken: seeded.refresh_token,
          expiresIn: 1,
        });
        events.length = 0;
        const token = await auth.getToken("api");
        events.push("returned");
        assert.notDeepEqual(rotated, seeded.refresh_token);
        assert.deepEqual(events, [`response:${rotated}`, `set:${rotated}`, "returned"]);
        assert.notDeepEqual(token, seeded.access_token);

        // A store that cannot save means the new token is never handed out.
        const seeded2 = await oidc.seed();
        const failing = new MemoryBackend({ name: "keychain" });
        const { auth: auth2 } = makeStore(services, lockDir, { backend: failing });
        await auth2.setToken("api", {
          accessToken: seeded2.access_token,
          refreshToken: seeded2.refresh_token,
          expiresIn: -1,
        });
        failing.set = () => Promise.reject(new Error("disk full"));
        await rejectsWith(() => auth2.getToken("api"), Error, "disk full");
      },
    );

    await t.step(
      "rejected refresh token (invalid_grant) → entry cleared + AuthenticationRequired",
      async () => {
        const seeded = await oidc.seed();
        // Use the refresh token once out of band: the stored one is now a reused, rotated token.
        const res = await fetch(oidc.tokenEndpoint, {
          method: "POST",
          body: new URLSearchParams({
            grant_type: "refresh_token",
            client_id: "credkit-cli",
            refresh_token: seeded.refresh_token,
          }),
        });
        const rotated = await res.json();
        assert.deepEqual(res.status, 200);
        const { auth, backend } = makeStore(services, lockDir);
        await auth.setToken("api", {
          accessToken: seeded.access_token,
          refreshToken: seeded.refresh_token,
          expiresIn: -1,
        });
        await oidc.reset();
        const err = await rejectsWith(() => auth.getToken("api"), AuthenticationRequired);
        assert.deepEqual(err.reason, "refresh token rejected");
        assert.deepEqual(exitCodeFor(err), 3);
        assert.deepEqual(await backend.get("api"), undefined);
        assert.deepEqual(await auth.isAuthenticated("api"), false);
        const stats = await oidc.stats();
        assert.deepEqual(stats.reuseDetected, 1);
        assert.deepEqual(stats.grantsRevoked, 1);
        assertNoSecrets(formatError(err), [
          seeded.access_token,
          seeded.refresh_token,
          rotated.access_token,
          rotated.refresh_token,
        ]);
        // Next call: no token, no network.
        const again = await rejectsWith(() => auth.getToken("api"), AuthenticationRequired);
        assert.deepEqual(again.reason, "no token");
        assert.deepEqual((await oidc.stats()).refreshRequests, 1);
        // A bogus refresh token is rejected the same way.
        await auth.setToken("api", {
          accessToken: "x-expired",
          refreshToken: "not-a-token",
          expiresIn: -1,
        });
        await rejectsWith(
          () => auth.getToken("api"),
          AuthenticationRequired,
          "refresh token rejected",
        );
      },
    );

    await t.step("500 and 429 → RefreshError; a still-valid token keeps working", async () => {
      for (const status of [500, 503, 429]) {
        const seeded = await oidc.seed();
        const { auth, backend } = makeStore(services, lockDir);
        // 30 s left: inside the 60 s margin, so a refresh is attempted, but still valid.
        await auth.setToken("api", {
          accessToken: seeded.access_token,
          refreshToken: seeded.refresh_token,
          expiresIn: 30,
        });
        await oidc.reset();
        await oidc.fault(status, { retryAfter: status === 429 ? 7 : undefined });
        assert.deepEqual(await auth.getToken("api"), seeded.access_token);
        // Backing off: the next calls do not hit the server again.
        assert.deepEqual(await auth.getToken("api"), seeded.access_token);
        assert.deepEqual((await oidc.stats()).refreshRequests, 1);
        assert.deepEqual((await backend.get("api"))?.refresh_token, seeded.refresh_token);

        // Expired: the failure surfaces as RefreshError and the entry is kept.
        const expired = makeStore(services, lockDir);
        await expired.auth.setToken("api", {
          accessToken: seeded.access_token,
          refreshToken: seeded.refresh_token,
          expiresIn: -1,
        });
        await oidc.fault(status, { retryAfter: status === 429 ? 7 : undefined });
        const err = await rejectsWith(() => expired.auth.getToken("api"), RefreshError);
        assert.deepEqual(err.status, status);
        assert.deepEqual(err.failure, status === 429 ? "rate_limited" : "server");
        if (status === 429) assert.deepEqual(err.retryAfterSeconds, 7);
        assert.deepEqual(exitCodeFor(err), 1);
        assertNoSecrets(formatError(err), [seeded.access_token, seeded.refresh_token]);
        assert.deepEqual((await expired.backend.get("api"))?.refresh_token, seeded.refresh_token);
        // Once the server is back, the same entry refreshes fine.
        const fresh = await expired.auth.getToken("api");
        assert.notDeepEqual(fresh, seeded.access_token);
        assert((await oidc.introspect(fresh)).active);
      }
    });

    await t.step(
      "connection refused → RefreshError; a still-valid token keeps working",
      async () => {
        const port = await closedPort();
        const down: ServiceDef = {
          ...api,
          auth: {
            ...api.auth!,
            tokenEndpoint: `http://127.0.0.1:${port}/token`,
          } as ServiceDef["auth"],
        };
        const { auth } = makeStore({ api: down }, lockDir);
        await auth.setToken("api", {
          accessToken: "still-valid-at",
          refreshToken: "rt-x",
          expiresIn: 30,
        });
        assert.deepEqual(await auth.getToken("api"), "still-valid-at");
        const expired = makeStore({ api: down }, lockDir);
        await expired.auth.setToken("api", {
          accessToken: "expired-at",
          refreshToken: "rt-y",
          expiresIn: -1,
        });
        const err = await rejectsWith(() => expired.auth.getToken("api"), RefreshError);
        assert.deepEqual(err.failure, "network");
        assert(/connection refused/i.test(err.message), err.message);
        assertNoSecrets(formatError(err), ["expired-at", "rt-y"]);
      },
    );

    await t.step("missing scope → AuthenticationRequired naming the scope", async () => {
      const seeded = await oidc.seed({ scope: "read" });
      const { auth } = makeStore(services, lockDir);
      await auth.setToken("api", {
        accessToken: seeded.access_token,
        refreshToken: seeded.refresh_token,
        expiresIn: 3600,
        scopes: ["read"],
      });
      assert.deepEqual(await auth.getToken("api", { scope: "read" }), seeded.access_token);
      const err = await rejectsWith(
        () => auth.getToken("api", { scope: "admin" }),
        AuthenticationRequired,
      );
      assert.deepEqual(err.scope, "admin");
      assert(err.message.includes("scope admin missing"));
      assert(err.message.includes("credkit auth signin api --scope admin"));
      assertNoSecrets(err.message, [seeded.access_token, seeded.refresh_token]);
    });

    await t.step("refresh keeps scopes, account; metadata never holds a token", async () => {
      const seeded = await oidc.seed({ scope: "read write" });
      const { auth } = makeStore(services, lockDir);
      await auth.setToken("api", {
        accessToken: seeded.access_token,
        refreshToken: seeded.refresh_token,
        expiresIn: -1,
        scopes: ["read", "write"],
        account: "me@example.com",
      });
      const token = await auth.getToken("api", { scope: "write" });
      const meta = await auth.getCachedMetadata("api");
      assert.deepEqual(meta?.scopes, ["read", "write"]);
      assert.deepEqual(meta?.account, "me@example.com");
      assert.deepEqual(meta?.hasRefreshToken, true);
      assert.deepEqual(meta?.store, "keychain");
      assert(meta!.expiresAt! > Date.now() / 1000 + 3000);
      assertNoSecrets(JSON.stringify(meta), [token, seeded.access_token, seeded.refresh_token]);
      assert.deepEqual(await auth.isAuthenticated("api"), true);
      assert.deepEqual(await auth.clearToken("api"), true);
      assert.deepEqual(await auth.getCachedMetadata("api"), undefined);
    });

    await t.step("confidential client (client_secret_basic) refreshes", async () => {
      const seeded = await oidc.seed({ clientId: "credkit-confidential" });
      const conf = oidc.service("conf", {
        clientId: "credkit-confidential",
        clientSecret: "confidential-client-secret-value",
      });
      const { auth } = makeStore({ conf }, lockDir);
      await auth.setToken("conf", {
        accessToken: seeded.access_token,
        refreshToken: seeded.refresh_token,
        expiresIn: -1,
      });
      const token = await auth.getToken("conf");
      assert((await oidc.introspect(token)).active);
      // A wrong secret is a settings problem, not a rejected token: the entry stays.
      const seeded2 = await oidc.seed({ clientId: "credkit-confidential" });
      const wrong = oidc.service("conf", {
        clientId: "credkit-confidential",
        clientSecret: "wrong",
      });
      const w = makeStore({ conf: wrong }, lockDir);
      await w.auth.setToken("conf", {
        accessToken: seeded2.access_token,
        refreshToken: seeded2.refresh_token,
        expiresIn: -1,
      });
      const err = await rejectsWith(() => w.auth.getToken("conf"), RefreshError);
      assert.deepEqual(err.failure, "protocol");
      assert(/invalid_client/.test(err.message), err.message);
      assertNoSecrets(err.message, [
        "confidential-client-secret-value",
        "wrong",
        seeded2.refresh_token,
      ]);
      assert(await w.backend.get("conf"));
    });

    await t.step("expired token without refresh token / without auth settings", async () => {
      const { auth } = makeStore({ ...services, plain: { name: "plain", fields: {} } }, lockDir);
      await auth.setToken("api", { accessToken: "at-no-rt", expiresIn: -1 });
      await rejectsWith(() => auth.getToken("api"), AuthenticationRequired, "token expired");
      await auth.setToken("plain", { accessToken: "at-plain" });
      assert.deepEqual(await auth.getToken("plain"), "at-plain"); // no expiry: valid
      await rejectsWith(() => auth.getToken("nothing"), AuthenticationRequired, "no token");
    });

    await t.step("refresh margin comes from the service settings", async () => {
      const seeded = await oidc.seed();
      const wide = oidc.service("api", { refreshMarginSeconds: 600 });
      const { auth } = makeStore({ api: wide }, lockDir);
      await auth.setToken("api", {
        accessToken: seeded.access_token,
        refreshToken: seeded.refresh_token,
        expiresIn: 300,
      });
      await oidc.reset();
      assert.notDeepEqual(await auth.getToken("api"), seeded.access_token);
      assert.deepEqual((await oidc.stats()).refreshRequests, 1);
      const narrow = oidc.service("api", { refreshMarginSeconds: 10 });
      const seeded2 = await oidc.seed();
      const n = makeStore({ api: narrow }, lockDir);
      await n.auth.setToken("api", {
        accessToken: seeded2.access_token,
        refreshToken: seeded2.refresh_token,
        expiresIn: 30,
      });
      assert.deepEqual(await n.auth.getToken("api"), seeded2.access_token);
      assert.deepEqual((await oidc.stats()).refreshRequests, 1);
    });
  } finally {
    await oidc.close();
    await Deno.remove(lockDir, { recursive: true });
  }
});
