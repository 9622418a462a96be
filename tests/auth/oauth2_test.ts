import assert from "node:assert/strict";
import type { OAuth2AuthConfig } from "../../src/catalog.ts";
import { AuthenticationRequired } from "../../src/auth/errors.ts";
import {
  type DevicePrompt,
  deviceSignin,
  refreshOAuth2,
  tokenSetFromResponse,
} from "../../src/auth/oauth2.ts";
import { CredkitError } from "../../src/errors.ts";
import { rejectsWith } from "../_helpers.ts";
import { startOidc } from "./_oidc.ts";

Deno.test("tokenSetFromResponse reads an RFC 6749 §5.1 response", () => {
  assert.deepEqual(
    tokenSetFromResponse({
      access_token: "a",
      refresh_token: "r",
      token_type: "Bearer",
      expires_in: "3600",
      scope: "read  write",
    }),
    {
      accessToken: "a",
      refreshToken: "r",
      tokenType: "bearer",
      expiresIn: 3600,
      scopes: ["read", "write"],
    },
  );
  assert.deepEqual(tokenSetFromResponse({ access_token: "a" }), { accessToken: "a" });
});

Deno.test("oauth2 endpoints must use https except on loopback", async () => {
  const def = {
    name: "x",
    fields: {},
    auth: {
      type: "oauth2" as const,
      tokenEndpoint: "http://auth.example.com/token",
      clientId: "c",
    },
  };
  const err = await rejectsWith(
    () =>
      refreshOAuth2({
        service: "x",
        def,
        refreshToken: "rt",
        scopes: [],
        fetch: () => Promise.reject(new Error("no request expected")),
        clock: Date.now,
        resolveField: () => Promise.resolve(undefined),
      }),
    CredkitError,
    "does not use https",
  );
  assert.equal(err.kind, "usage");
});

Deno.test("device flow (RFC 8628) against oidc-provider", async (t) => {
  const oidc = await startOidc({ deviceInterval: 1 });
  const config = oidc.service("api").auth as OAuth2AuthConfig;
  try {
    await t.step("approve → tokens with the requested scopes, polling every interval", async () => {
      const prompts: DevicePrompt[] = [];
      const started = Date.now();
      let approved: Promise<boolean> | undefined;
      const set = await deviceSignin({
        service: "api",
        config,
        scopes: ["read", "write"],
        fetch: globalThis.fetch,
        clock: Date.now,
        onPrompt: (p) => {
          prompts.push(p);
          approved = new Promise((r) => setTimeout(r, 1500)).then(() => oidc.approve(p.userCode));
        },
      });
      assert.equal(await approved, true);
      assert.equal(prompts.length, 1);
      assert.match(prompts[0].userCode, /^[A-Z]{4}-[A-Z]{4}$/);
      assert.equal(prompts[0].verificationUri, `${oidc.issuer}/device`);
      assert.ok(Date.now() - started >= 1500);
      assert.ok(set.refreshToken);
      assert.deepEqual(set.scopes, ["read", "write"]);
      assert.ok((await oidc.introspect(set.accessToken)).active);
      assert.ok((await oidc.stats()).devicePolls >= 2); // at least one authorization_pending
    });

    await t.step("slow_down adds 5 s to the interval", async () => {
      await oidc.reset();
      const sleeps: number[] = [];
      await oidc.fault(400, { error: "slow_down" });
      const set = await deviceSignin({
        service: "api",
        config,
        fetch: globalThis.fetch,
        clock: Date.now,
        sleep: (ms) => {
          sleeps.push(ms);
          return Promise.resolve();
        },
        onPrompt: (p) => void oidc.approve(p.userCode),
      });
      assert.ok(set.accessToken);
      // 1 s (advertised), slow_down → 6 s; then approved (or pending while the approval lands).
      assert.deepEqual(sleeps.slice(0, 2), [1000, 6000]);
      assert.ok(sleeps.slice(2).every((ms) => ms === 6000));
    });

    await t.step("denied → AuthenticationRequired", async () => {
      const err = await rejectsWith(
        () =>
          deviceSignin({
            service: "api",
            config,
            fetch: globalThis.fetch,
            clock: Date.now,
            sleep: () => new Promise((r) => setTimeout(r, 20)),
            onPrompt: (p) => void oidc.deny(p.userCode),
          }),
        AuthenticationRequired,
        "denied",
      );
      assert.equal(err.service, "api");
    });

    await t.step("a code that expires → AuthenticationRequired naming --device", async () => {
      let now = Date.now();
      await rejectsWith(
        () =>
          deviceSignin({
            service: "api",
            config,
            fetch: globalThis.fetch,
            clock: () => now,
            sleep: (ms) => {
              now += ms * 1000; // time flies
              return Promise.resolve();
            },
            onPrompt: () => {},
          }),
        AuthenticationRequired,
        "--device",
      );
    });

    await t.step("no device endpoint → usage error", async () => {
      const err = await rejectsWith(
        () =>
          deviceSignin({
            service: "api",
            config: { ...config, deviceAuthorizationEndpoint: undefined },
            fetch: globalThis.fetch,
            clock: Date.now,
            onPrompt: () => {},
          }),
        CredkitError,
        "deviceAuthorizationEndpoint",
      );
      assert.equal(err.kind, "usage");
    });
  } finally {
    await oidc.close();
  }
});

Deno.test("an OAuth error that echoes the refresh token form-encoded shows it masked", async () => {
  const { createServer } = await import("node:http");
  const refreshToken = "rt/" + crypto.randomUUID() + "+x=y z";
  // A token endpoint that echoes the request body (form-encoded) in its error.
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid_request", error_description: `bad ${body}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    const err = await rejectsWith(
      () =>
        refreshOAuth2({
          service: "x",
          def: {
            name: "x",
            fields: {},
            auth: {
              type: "oauth2" as const,
              tokenEndpoint: `http://127.0.0.1:${port}/token`,
              clientId: "c",
            },
          },
          refreshToken,
          scopes: [],
          fetch: globalThis.fetch,
          clock: Date.now,
          resolveField: () => Promise.resolve(undefined),
        }),
      Error,
    );
    const message = (err as Error).message;
    assert.match(message, /refresh_token=\*\*\*\*/);
    for (const form of [refreshToken, encodeURIComponent(refreshToken), "rt%2F"]) {
      assert.ok(!message.includes(form), `${form} in ${message}`);
    }
  } finally {
    await new Promise((r) => server.close(r));
  }
});
