import assert from "node:assert/strict";
import { authCommand } from "../../src/cli/auth.ts";
import { authStoreFromContext } from "../../src/auth/context_store.ts";
import type { ParsedArgs } from "../../src/cli/context.ts";
import { assertNoSecrets, makeTestContext, type TestContextOptions } from "../_helpers.ts";
import { startOidc } from "./_oidc.ts";
import { startSupabase } from "./_supabase.ts";

const args = (positionals: string[], values: ParsedArgs["values"] = {}): ParsedArgs => ({
  positionals,
  values,
  rest: [],
});

async function withState<T>(fn: (stateDir: string) => Promise<T>): Promise<T> {
  const stateDir = await Deno.makeTempDir({ prefix: "credkit-cli-auth-" });
  try {
    return await fn(stateDir);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
  }
}

type TestCtx = ReturnType<typeof makeTestContext>;
/** The memory backend behind the keychain's `tokens` namespace. */
const kc = (t: TestCtx) => t.ctx.stores.backend("keychain", "tokens");
const fileTokens = (t: TestCtx) => t.ctx.stores.backend("file", "tokens");

const TOKEN_JSON = {
  access_token: "gho_accessTokenValue0123456789abcdef",
  refresh_token: "ghr_refreshTokenValue0123456789abcdef",
  expires_in: 3600,
  scope: "repo read:org",
  token_type: "bearer",
};
const SECRETS = [TOKEN_JSON.access_token, TOKEN_JSON.refresh_token];

Deno.test("auth signin --token-stdin, status --json, token, logout", async () => {
  await withState(async (stateDir) => {
    const opts = (extra: Partial<TestContextOptions> = {}): TestContextOptions => ({
      stateDir,
      ...extra,
    });
    const signin = makeTestContext(opts({ stdin: JSON.stringify(TOKEN_JSON) }));
    const code = await authCommand.run(
      signin.ctx,
      args(["signin", "github"], { "token-stdin": true, account: "octocat" }),
    );
    assert.equal(code, 0, signin.captured.err);
    assert.match(signin.captured.err, /Signed in to github as octocat; token stored in keychain/);
    assert.equal(signin.captured.out, "");
    const stored = await kc(signin).get("github");
    assert.equal(stored?.access_token, TOKEN_JSON.access_token);
    assert.equal(stored?.refresh_token, TOKEN_JSON.refresh_token);
    assert.equal(stored?.scopes, "repo read:org");
    assertNoSecrets(signin.captured.err + signin.captured.out, SECRETS);

    // Same memory stores, later commands.
    const ctx2 = makeTestContext(opts({ globals: { json: true } }));
    await kc(ctx2).set("github", stored!);
    const status = ctx2;
    assert.equal(await authCommand.run(status.ctx, args(["status"])), 0);
    const report = JSON.parse(status.captured.out);
    assert.equal(report.services.length, 1);
    const gh = report.services[0];
    assert.equal(gh.service, "github");
    assert.equal(gh.authenticated, true);
    assert.equal(gh.account, "octocat");
    assert.deepEqual(gh.scopes, ["repo", "read:org"]);
    assert.equal(gh.store, "keychain");
    assert.equal(gh.refreshable, true);
    assert.ok(gh.expiresIn > 3500 && gh.expiresIn <= 3600);
    assert.match(gh.expiresAt, /^\d{4}-\d\d-\d\dT/);
    assertNoSecrets(status.captured.out + status.captured.err, SECRETS);

    // Plain table.
    const table = makeTestContext(opts());
    await kc(table).set("github", stored!);
    assert.equal(await authCommand.run(table.ctx, args(["status", "github"])), 0);
    assert.match(table.captured.out, /^SERVICE\s+ACCOUNT\s+SCOPES\s+EXPIRES\s+STORE\n/);
    assert.match(table.captured.out, /github\s+octocat\s+repo read:org\s+in 60 min\s+keychain/);
    assertNoSecrets(table.captured.out + table.captured.err, SECRETS);

    // token prints the token (and only that) on stdout.
    const tok = makeTestContext(opts());
    await kc(tok).set("github", stored!);
    assert.equal(await authCommand.run(tok.ctx, args(["token", "github"])), 0);
    assert.equal(tok.captured.out, TOKEN_JSON.access_token + "\n");
    assert.equal(tok.captured.err, "");
    // Missing scope: exit 3, one line, names the scope.
    const scoped = makeTestContext(opts());
    await kc(scoped).set("github", stored!);
    assert.equal(
      await authCommand.run(scoped.ctx, args(["token", "github"], { scope: ["admin:org"] })),
      3,
    );
    assert.equal(scoped.captured.out, "");
    assert.equal(scoped.captured.err.split("\n").filter(Boolean).length, 1);
    assert.match(
      scoped.captured.err,
      /^credkit: Authentication required for github: scope admin:org missing/,
    );

    // logout removes it; token then exits 3 with one line.
    const out = makeTestContext(opts());
    await kc(out).set("github", stored!);
    assert.equal(await authCommand.run(out.ctx, args(["logout", "github"])), 0);
    assert.match(out.captured.err, /Signed out of github/);
    assert.equal(await kc(out).get("github"), undefined);
    assert.equal(await authCommand.run(out.ctx, args(["token", "github"])), 3);
    assert.equal(
      out.captured.err.split("\n").filter(Boolean).pop(),
      "credkit: Authentication required for github: no token (run: credkit auth signin github)",
    );
    assert.equal(out.captured.out, "");
    // status of a named service without a token: exit 3.
    assert.equal(await authCommand.run(out.ctx, args(["status", "github"])), 3);
    assertNoSecrets(out.captured.out + out.captured.err, SECRETS);
  });
});

Deno.test("auth signin --token-stdin: bare token, file store, errors", async () => {
  await withState(async (stateDir) => {
    const bare = makeTestContext({
      stateDir,
      stdin: "hf_bareTokenValue0123456789\n",
      chosen: "file",
    });
    assert.equal(
      await authCommand.run(
        bare.ctx,
        args(["signin", "huggingface"], { "token-stdin": true, scope: ["read"] }),
      ),
      0,
    );
    const f = await fileTokens(bare).get("huggingface");
    assert.equal(f?.access_token, "hf_bareTokenValue0123456789");
    assert.equal(f?.scopes, "read");
    assert.deepEqual(await kc(bare).list(), []);
    assert.match(bare.captured.err, /token stored in file \(expires never\)/);

    // No keychain and no store chosen: exit 4, naming --store file.
    const noKc = makeTestContext({ stateDir, stdin: "abc123token", keychainAvailable: false });
    assert.equal(
      await authCommand.run(noKc.ctx, args(["signin", "github"], { "token-stdin": true })),
      4,
    );
    assert.match(noKc.captured.err, /--store file/);

    // Invalid JSON: usage error that does not echo the input.
    const bad = makeTestContext({ stateDir, stdin: '{"access_token": "secretvalue123", oops' });
    assert.equal(
      await authCommand.run(bad.ctx, args(["signin", "github"], { "token-stdin": true })),
      2,
    );
    assertNoSecrets(bad.captured.err, ["secretvalue123"]);

    const two = makeTestContext({ stateDir, stdin: "a b" });
    assert.equal(
      await authCommand.run(two.ctx, args(["signin", "github"], { "token-stdin": true })),
      2,
    );
    const unknown = makeTestContext({ stateDir, stdin: "x" });
    assert.equal(
      await authCommand.run(unknown.ctx, args(["signin", "nosuch"], { "token-stdin": true })),
      2,
    );
    assert.match(unknown.captured.err, /unknown service/);
    const noSub = makeTestContext({ stateDir });
    assert.equal(await authCommand.run(noSub.ctx, args([])), 2);
    const noAuth = makeTestContext({ stateDir });
    assert.equal(await authCommand.run(noAuth.ctx, args(["signin", "github"])), 2);
    assert.match(noAuth.captured.err, /--token-stdin/);
  });
});

Deno.test("auth signin --device against oidc-provider, then token refreshes", async () => {
  const oidc = await startOidc({ deviceInterval: 1 });
  try {
    await withState(async (stateDir) => {
      const config = {
        services: {
          myapi: {
            fields: { token: { env: ["MYAPI_TOKEN"], secret: true } },
            auth: {
              type: "oauth2",
              tokenEndpoint: oidc.tokenEndpoint,
              deviceAuthorizationEndpoint: oidc.deviceEndpoint,
              clientId: "credkit-cli",
              scopes: ["read", "write"],
            },
          },
        },
      };
      const signin = makeTestContext({ stateDir, config });
      const { ctx, captured } = signin;
      const running = authCommand.run(ctx, args(["signin", "myapi"], { device: true }));
      let userCode: string | undefined;
      for (let i = 0; i < 200 && !userCode; i++) {
        userCode = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(captured.err)?.[1];
        if (!userCode) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(userCode, captured.err);
      assert.match(captured.err, new RegExp(`open ${oidc.issuer}/device and enter the code`));
      assert.ok(await oidc.approve(userCode));
      assert.equal(await running, 0, captured.err);
      const stored = await kc(signin).get("myapi");
      assert.ok(stored?.access_token && stored.refresh_token);
      assert.equal(stored.scopes, "read write");
      assertNoSecrets(captured.out + captured.err, [stored.access_token, stored.refresh_token]);

      // Expire it; `auth token` refreshes once and prints the new token.
      await oidc.reset();
      const tok = makeTestContext({ stateDir, config });
      await kc(tok).set("myapi", { ...stored, expires_at: "1" });
      assert.equal(
        await authCommand.run(tok.ctx, args(["token", "myapi"], { scope: ["write"] })),
        0,
      );
      const printed = tok.captured.out.trim();
      assert.notEqual(printed, stored.access_token);
      assert.ok((await oidc.introspect(printed)).active);
      assert.equal((await oidc.stats()).refreshRequests, 1);
      const after = await kc(tok).get("myapi");
      assert.equal(after?.access_token, printed);
      assert.notEqual(after?.refresh_token, stored.refresh_token);
      // The factory reuses one AuthStore per context.
      assert.equal(authStoreFromContext(tok.ctx), authStoreFromContext(tok.ctx));
    });
  } finally {
    await oidc.close();
  }
});

Deno.test("auth signin supabase: --password-stdin, prompts, --no-input", async () => {
  const email = "dev@example.com";
  const password = "s3cret-password-value";
  const sb = await startSupabase({ users: { [email]: password } });
  try {
    await withState(async (stateDir) => {
      const env = { SUPABASE_URL: sb.url, SUPABASE_ANON_KEY: sb.anonKey };
      const piped = makeTestContext({ stateDir, env, stdin: password + "\n" });
      const code = await authCommand.run(
        piped.ctx,
        args(["signin", "supabase"], { email, "password-stdin": true, scope: ["registry:write"] }),
      );
      assert.equal(code, 0, piped.captured.err);
      const stored = await kc(piped).get("supabase");
      assert.equal(stored?.account, email);
      assert.equal(stored?.scopes, "registry:write");
      assert.ok(sb.isValidAccessToken(stored!.access_token));
      assert.match(piped.captured.err, /Signed in to supabase as dev@example.com/);
      assertNoSecrets(piped.captured.out + piped.captured.err, [
        password,
        stored!.access_token,
        stored!.refresh_token,
      ]);
      // `auth token --scope` hands the token out; an expired one is refreshed on the way.
      const later = makeTestContext({ stateDir, env });
      await kc(later).set("supabase", { ...stored!, expires_at: "1" });
      const before = sb.stats.refreshRequests;
      assert.equal(
        await authCommand.run(
          later.ctx,
          args(["token", "supabase"], { scope: ["registry:write"] }),
        ),
        0,
      );
      assert.equal(sb.stats.refreshRequests - before, 1);
      const refreshed = later.captured.out.trim();
      assert.notEqual(refreshed, stored!.access_token);
      assert.ok(sb.isValidAccessToken(refreshed));

      // On a TTY: e-mail and a hidden password are prompted.
      const tty = makeTestContext({ stateDir, env, stdinIsTTY: true, answers: [email, password] });
      assert.equal(
        await authCommand.run(tty.ctx, args(["signin", "supabase"])),
        0,
        tty.captured.err,
      );
      assert.deepEqual(tty.prompts, ["Email: ", "Password: "]);

      // Wrong password: exit 3, nothing leaked.
      const wrong = makeTestContext({ stateDir, env, stdin: "wrong-password-value" });
      assert.equal(
        await authCommand.run(
          wrong.ctx,
          args(["signin", "supabase"], { email, "password-stdin": true }),
        ),
        3,
      );
      assert.match(
        wrong.captured.err,
        /^credkit: Authentication required for supabase: sign-in refused/,
      );
      assertNoSecrets(wrong.captured.err, ["wrong-password-value", sb.anonKey]);

      // --no-input without a password source: usage error naming --password-stdin, no prompt.
      const noInput = makeTestContext({ stateDir, env, globals: { noInput: true } });
      assert.equal(await authCommand.run(noInput.ctx, args(["signin", "supabase"], { email })), 2);
      assert.match(noInput.captured.err, /--password-stdin/);
      assert.deepEqual(noInput.prompts, []);

      // Missing project URL: exit 3 naming the variable.
      const noUrl = makeTestContext({ stateDir, stdin: password });
      assert.equal(
        await authCommand.run(
          noUrl.ctx,
          args(["signin", "supabase"], { email, "password-stdin": true }),
        ),
        3,
      );
      assert.match(noUrl.captured.err, /SUPABASE_URL and SUPABASE_ANON_KEY not set/);
    });
  } finally {
    await sb.close();
  }
});
