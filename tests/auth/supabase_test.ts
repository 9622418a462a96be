import assert from "node:assert/strict";
import { AuthStore } from "../../src/auth/auth_store.ts";
import { AuthenticationRequired, RefreshError } from "../../src/auth/errors.ts";
import { supabaseProject, supabaseSignin } from "../../src/auth/supabase.ts";
import { BUILTIN_SERVICES } from "../../src/catalog.ts";
import { CredkitError, exitCodeFor, formatError } from "../../src/errors.ts";
import { MemoryBackend } from "../../src/store/memory.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { rejectsWith } from "../_helpers.ts";
import { startSupabase, type SupabaseServer } from "./_supabase.ts";

const EMAIL = "dev@example.com";
const PASSWORD = "correct horse battery staple";

function storeFor(
  sb: SupabaseServer,
  lockDir: string,
  backend = new MemoryBackend({ name: "keychain" }),
) {
  const fields: Record<string, string> = { url: sb.url, anon_key: sb.anonKey };
  const auth = new AuthStore({
    backend,
    services: BUILTIN_SERVICES,
    clock: () => Date.now(),
    fetch: globalThis.fetch,
    lockDir,
    resolveField: (_service, field) => Promise.resolve(fields[field]),
  });
  return { auth, backend };
}

for (const errorStyle of ["new", "old"] as const) {
  Deno.test(`Supabase Auth (${errorStyle} error bodies): sign-in and refresh`, async (t) => {
    const sb = await startSupabase({ users: { [EMAIL]: PASSWORD }, errorStyle });
    const lockDir = await Deno.makeTempDir({ prefix: "credkit-sb-" });
    const project = { url: sb.url, anonKey: sb.anonKey };
    const signin = (password = PASSWORD, p = project) =>
      supabaseSignin({
        service: "supabase",
        project: p,
        email: EMAIL,
        password,
        fetch: globalThis.fetch,
        clock: () => Date.now(),
      });
    try {
      await t.step("password sign-in returns a token set with the account", async () => {
        const set = await signin();
        assert.ok(set.accessToken.startsWith("eyJ"));
        assert.ok(set.refreshToken);
        assert.equal(set.expiresIn, 3600);
        assert.equal(set.account, EMAIL);
        assert.equal(set.tokenType, "bearer");
        assert.ok(sb.isValidAccessToken(set.accessToken));
      });

      await t.step("wrong password → AuthenticationRequired without the password", async () => {
        const err = await rejectsWith(() => signin("wrong-password-value"), AuthenticationRequired);
        assert.match(err.message, /Invalid login credentials/);
        assert.equal(exitCodeFor(err), 3);
        assertNoSecrets(formatError(err), ["wrong-password-value", sb.anonKey]);
      });

      await t.step("wrong anon key → an error naming the key, not its value", async () => {
        const err = await rejectsWith(
          () => signin(PASSWORD, { url: sb.url, anonKey: "wrong-anon-key-value" }),
          CredkitError,
        );
        assert.match(err.message, /HTTP 401/);
        assertNoSecrets(formatError(err), ["wrong-anon-key-value", PASSWORD]);
        assert.equal(sb.stats.badApiKey, 1);
      });

      await t.step("expired token + 200 concurrent getToken → one refresh", async () => {
        const set = await signin();
        const { auth, backend } = storeFor(sb, lockDir);
        await auth.setToken("supabase", { ...set, expiresIn: -1, scopes: ["registry:write"] });
        const before = sb.stats.refreshRequests;
        const tokens = await Promise.all(
          Array.from({ length: 200 }, () => auth.getToken("supabase", { scope: "registry:write" })),
        );
        assert.equal(sb.stats.refreshRequests - before, 1);
        assert.equal(new Set(tokens).size, 1);
        assert.notEqual(tokens[0], set.accessToken);
        assert.ok(sb.isValidAccessToken(tokens[0]));
        const saved = await backend.get("supabase");
        assert.notEqual(saved?.refresh_token, set.refreshToken);
        assert.equal(saved?.account, EMAIL);
        assert.equal(saved?.scopes, "registry:write");
      });

      await t.step(
        "reused refresh token → family revoked, entry cleared, AuthenticationRequired",
        async () => {
          const set = await signin();
          const { auth, backend } = storeFor(sb, lockDir);
          await auth.setToken("supabase", { ...set, expiresIn: -1 });
          const first = await auth.getToken("supabase"); // rotates set.refreshToken
          // Another copy of the old entry (e.g. restored from a backup) reuses the old refresh token.
          const stale = storeFor(sb, lockDir);
          await stale.auth.setToken("supabase", { ...set, expiresIn: -1 });
          const err = await rejectsWith(
            () => stale.auth.getToken("supabase"),
            AuthenticationRequired,
          );
          assert.equal(err.reason, "refresh token rejected");
          assert.equal(sb.stats.reuseDetected >= 1, true);
          assert.equal(await stale.backend.get("supabase"), undefined);
          assert.equal(sb.isValidAccessToken(first), false); // the whole family is gone
          assertNoSecrets(formatError(err), [set.accessToken, set.refreshToken!, first]);
          // The first store's rotated refresh token is revoked too.
          await backend.set("supabase", { ...(await backend.get("supabase"))!, expires_at: "1" });
          const other = storeFor(sb, lockDir, backend);
          await rejectsWith(
            () => other.auth.getToken("supabase"),
            AuthenticationRequired,
            "rejected",
          );
        },
      );

      await t.step("503 → RefreshError; a still-valid token keeps working", async () => {
        const set = await signin();
        const { auth } = storeFor(sb, lockDir);
        await auth.setToken("supabase", { ...set, expiresIn: 20 });
        sb.fault(503);
        assert.equal(await auth.getToken("supabase"), set.accessToken);
        const expired = storeFor(sb, lockDir);
        await expired.auth.setToken("supabase", { ...set, expiresIn: -1 });
        sb.fault(429);
        const err = await rejectsWith(() => expired.auth.getToken("supabase"), RefreshError);
        assert.equal(err.failure, "rate_limited");
        assert.equal(err.retryAfterSeconds, 1);
        assertNoSecrets(formatError(err), [set.accessToken, set.refreshToken!]);
        assert.ok(await expired.backend.get("supabase"));
      });
    } finally {
      await sb.close();
      await Deno.remove(lockDir, { recursive: true });
    }
  });
}

Deno.test("supabaseProject names the missing variables", async () => {
  const err = await rejectsWith(
    () => supabaseProject("supabase", BUILTIN_SERVICES.supabase, () => Promise.resolve(undefined)),
    CredkitError,
    "SUPABASE_URL and SUPABASE_ANON_KEY not set",
  );
  assert.equal(err.kind, "missing");
  await rejectsWith(
    () =>
      supabaseProject(
        "supabase",
        BUILTIN_SERVICES.supabase,
        (_s, f) => Promise.resolve(f === "url" ? "http://example.com" : "k"),
      ),
    CredkitError,
    "https",
  );
  const ok = await supabaseProject(
    "supabase",
    BUILTIN_SERVICES.supabase,
    (_s, f) => Promise.resolve(f === "url" ? "https://abc.supabase.co/" : "anon"),
  );
  assert.deepEqual(ok, { url: "https://abc.supabase.co", anonKey: "anon" });
});
