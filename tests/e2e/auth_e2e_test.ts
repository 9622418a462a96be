/**
 * `credkit auth` as a user drives it, from the compiled binary (and Deno and
 * Bun), against a real OAuth 2 server (oidc-provider, refresh-token rotation
 * on): sign in with a token response, status, token (refreshed), scope
 * checks, `run` with the token, 8 processes refreshing at once, logout.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { startOidc } from "../auth/_oidc.ts";
import { credkit, type Result, runtimes, tempHome } from "./_runtimes.ts";

function assertClean(results: Result[], secrets: string[]): void {
  for (const r of results) {
    for (const s of secrets) assert.ok(!(r.out + r.err).includes(s), "a token leaked into output");
  }
}

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] auth signin / status / token / logout against oidc-provider`, async () => {
    const oidc = await startOidc({ accessTtl: 3600 });
    const home = tempHome();
    try {
      const { name: _name, ...api } = oidc.service("api");
      fs.writeFileSync(join(home, "credkit.json"), JSON.stringify({ services: { api } }));
      const env = { CREDKIT_HOME: home, CREDKIT_STORE: "file", CI: "true" };
      const opts = { env, cwd: home };
      const seeded = await oidc.seed({ scope: "read write" });
      await oidc.reset();
      // A token response that expires inside the refresh margin: the next use refreshes.
      const response = JSON.stringify({ ...seeded, expires_in: 30 });
      const signin = await credkit(rt, ["auth", "signin", "api", "--token-stdin"], {
        ...opts,
        stdin: response,
      });
      assert.equal(signin.code, 0, signin.err);

      const status = await credkit(rt, ["auth", "status", "--json"], opts);
      assert.equal(status.code, 0, status.err);
      assert.match(status.out, /"api"/);
      assert.match(status.out, /read/);

      const token = await credkit(rt, ["auth", "token", "api"], opts);
      assert.equal(token.code, 0, token.err);
      const fresh = token.out.trim();
      assert.notEqual(fresh, seeded.access_token, "the token was refreshed");
      assert.ok((await oidc.introspect(fresh)).active);
      assert.equal((await oidc.stats()).refreshRequests, 1);
      const again = await credkit(rt, ["auth", "token", "api"], opts);
      assert.equal(again.out.trim(), fresh, "a valid token is reused, not refreshed");
      assert.equal((await oidc.stats()).refreshRequests, 1);

      const scope = await credkit(rt, ["auth", "token", "api", "--scope", "admin"], opts);
      assert.equal(scope.code, 3);
      assert.match(scope.err, /^credkit: Authentication required for api: .*admin/);

      const run = await credkit(rt, [
        "run",
        "--only",
        "api",
        "--",
        "sh",
        "-c",
        'echo "token=$API_TOKEN"',
      ], opts);
      assert.equal(run.out, "token=****\n");

      // 8 processes at once on an expired token: one refresh, all get its result.
      const reseeded = await oidc.seed({ scope: "read write" });
      await credkit(rt, ["auth", "signin", "api", "--token-stdin"], {
        ...opts,
        stdin: JSON.stringify({ ...reseeded, expires_in: 1 }),
      });
      await oidc.reset();
      await oidc.delay(150);
      const many = await Promise.all(
        Array.from({ length: 8 }, () => credkit(rt, ["auth", "token", "api"], opts)),
      );
      await oidc.delay(0);
      for (const r of many) assert.equal(r.code, 0, r.err);
      assert.equal(new Set(many.map((r) => r.out)).size, 1, "every process got the same token");
      const stats = await oidc.stats();
      assert.equal(stats.refreshRequests, 1);
      assert.equal(stats.reuseDetected, 0);

      const logout = await credkit(rt, ["auth", "logout", "api"], opts);
      assert.equal(logout.code, 0, logout.err);
      const after = await credkit(rt, ["auth", "token", "api"], opts);
      assert.equal(after.code, 3);
      assert.match(after.err, /credkit auth signin api/);
      assertClean([signin, status, scope, run, logout, after], [
        seeded.access_token,
        seeded.refresh_token,
        fresh,
        reseeded.refresh_token,
      ]);
    } finally {
      await oidc.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
}
