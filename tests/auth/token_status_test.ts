import assert from "node:assert/strict";
import { describeExpiry, tokenStatus } from "../../src/auth/token_status.ts";
import type { TokenMetadata } from "../../src/auth/auth_store.ts";

const NOW_MS = 1_700_000_000_000;
const NOW = NOW_MS / 1000;
const meta = (extra: Partial<TokenMetadata> = {}): TokenMetadata => ({
  scopes: ["read"],
  tokenType: "bearer",
  hasRefreshToken: false,
  store: "file",
  ...extra,
});

Deno.test("describeExpiry: future, past, refreshable, never", () => {
  assert.equal(describeExpiry(meta(), NOW_MS), "never");
  assert.equal(describeExpiry(meta({ expiresAt: NOW + 30 }), NOW_MS), "in 30 s");
  assert.equal(describeExpiry(meta({ expiresAt: NOW + 300 }), NOW_MS), "in 5 min");
  assert.equal(describeExpiry(meta({ expiresAt: NOW + 3 * 3600 }), NOW_MS), "in 3 h");
  assert.equal(describeExpiry(meta({ expiresAt: NOW + 3 * 86400 }), NOW_MS), "in 3 d");
  assert.equal(describeExpiry(meta({ expiresAt: NOW - 7200 }), NOW_MS), "expired 2 h ago");
  assert.equal(
    describeExpiry(meta({ expiresAt: NOW - 7200, hasRefreshToken: true }), NOW_MS),
    "expired 2 h ago (refreshable)",
  );
});

Deno.test("tokenStatus: not signed in, valid, expired, refreshable", () => {
  assert.deepEqual(tokenStatus("github", undefined, NOW_MS), {
    service: "github",
    authenticated: false,
    account: null,
    scopes: [],
    expiresAt: null,
    expiresIn: null,
    refreshable: false,
    store: null,
  });
  assert.deepEqual(tokenStatus("github", meta({ expiresAt: NOW + 60, account: "me" }), NOW_MS), {
    service: "github",
    authenticated: true,
    account: "me",
    scopes: ["read"],
    expiresAt: new Date((NOW + 60) * 1000).toISOString(),
    expiresIn: 60,
    refreshable: false,
    store: "file",
  });
  assert.equal(tokenStatus("s", meta(), NOW_MS).authenticated, true);
  assert.equal(tokenStatus("s", meta({ expiresAt: NOW - 1 }), NOW_MS).authenticated, false);
  const refreshable = tokenStatus("s", meta({ expiresAt: NOW - 1, hasRefreshToken: true }), NOW_MS);
  assert.equal(refreshable.authenticated, true);
  assert.equal(refreshable.refreshable, true);
});
