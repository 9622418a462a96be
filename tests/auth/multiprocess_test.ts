import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOidc } from "./_oidc.ts";

const FIXTURE = fileURLToPath(new URL("./fixtures/get_token.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUN = join(ROOT, "node_modules/.bin/bun");

interface Outcome {
  ok: boolean;
  token?: string;
  kind?: string;
  message?: string;
}

function startProcess(runtime: "deno" | "bun", env: Record<string, string>) {
  const [cmd, args] = runtime === "deno"
    ? [Deno.execPath(), ["run", "-A", "--quiet", FIXTURE]]
    : [BUN, [FIXTURE]];
  return new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function outcome(
  child: Deno.ChildProcess,
): Promise<{ code: number; result: Outcome; stderr: string }> {
  const { code, stdout, stderr } = await child.output();
  const text = new TextDecoder().decode(stdout).trim();
  return { code, result: JSON.parse(text || "{}"), stderr: new TextDecoder().decode(stderr) };
}

async function writeTokens(path: string, fields: Record<string, string>) {
  await Deno.writeTextFile(path, JSON.stringify({ credentials: {}, tokens: { api: fields } }), {
    mode: 0o600,
  });
}

Deno.test("multi-process refresh against a rotating oidc-provider", async (t) => {
  const oidc = await startOidc({ accessTtl: 3600 });
  const dir = await Deno.makeTempDir({ prefix: "credkit-mp-" });
  const file = join(dir, "credentials.json");
  const env = (extra: Record<string, string> = {}) => ({
    CREDKIT_TEST_FILE: file,
    CREDKIT_TEST_STATE: join(dir, "state"),
    CREDKIT_TEST_SERVICE: JSON.stringify(oidc.service("api")),
    NO_COLOR: "1",
    ...extra,
  });
  const expiredEntry = (s: { access_token: string; refresh_token: string }) => ({
    access_token: s.access_token,
    refresh_token: s.refresh_token,
    expires_at: String(Math.floor(Date.now() / 1000) - 10),
    scopes: "read write",
    token_type: "bearer",
  });
  try {
    await t.step(
      "8 processes (Deno and Bun) on an expired token → all succeed, one refresh",
      async () => {
        const seeded = await oidc.seed();
        await writeTokens(file, expiredEntry(seeded));
        await oidc.reset();
        await oidc.delay(100);
        const startAt = String(Date.now() + 2500);
        const children = Array.from(
          { length: 8 },
          (_, i) =>
            startProcess(i % 2 === 0 ? "deno" : "bun", env({ CREDKIT_TEST_START_AT: startAt })),
        );
        const results = await Promise.all(children.map(outcome));
        await oidc.delay(0);
        for (const r of results) assert.equal(r.code, 0, `${JSON.stringify(r.result)} ${r.stderr}`);
        const tokens = new Set(results.map((r) => r.result.token));
        assert.equal(tokens.size, 1);
        const [token] = tokens;
        assert.notEqual(token, seeded.access_token);
        const stats = await oidc.stats();
        assert.equal(stats.refreshRequests, 1);
        assert.equal(stats.reuseDetected, 0);
        assert.equal(stats.grantsRevoked, 0);
        assert.ok((await oidc.introspect(token!)).active);
        const saved = JSON.parse(await Deno.readTextFile(file)).tokens.api;
        assert.equal(saved.access_token, token);
        assert.notEqual(saved.refresh_token, seeded.refresh_token);
        // The saved (rotated) refresh token is the live one: using it works.
        await writeTokens(file, { ...saved, expires_at: "1" });
        const next = await outcome(startProcess("deno", env()));
        assert.equal(next.code, 0, next.result.message);
        assert.equal((await oidc.stats()).reuseDetected, 0);
      },
    );

    await t.step(
      "a process SIGKILLed after the server rotated the token → next run fails cleanly",
      async () => {
        const seeded = await oidc.seed();
        await writeTokens(file, expiredEntry(seeded));
        await oidc.reset();
        const victim = startProcess("deno", env({ CREDKIT_TEST_PAUSE_AFTER_REFRESH_MS: "30000" }));
        const reader = victim.stderr.pipeThrough(new TextDecoderStream()).getReader();
        let seen = "";
        while (!seen.includes("REFRESHED")) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += value;
        }
        assert.ok(seen.includes("REFRESHED"), seen);
        victim.kill("SIGKILL");
        const status = await victim.status;
        assert.equal(status.signal, "SIGKILL");
        await reader.cancel();
        await victim.stdout.cancel();
        assert.equal((await oidc.stats()).refreshSucceeded, 1);
        // The file still holds the consumed refresh token; the lock file names a dead pid.
        assert.equal(
          JSON.parse(await Deno.readTextFile(file)).tokens.api.refresh_token,
          seeded.refresh_token,
        );

        const started = Date.now();
        const after = await outcome(startProcess("bun", env()));
        assert.ok(Date.now() - started < 10000, "the stale lock was not broken promptly");
        assert.equal(after.code, 3, JSON.stringify(after.result));
        assert.equal(after.result.kind, "auth_required");
        assert.match(after.result.message!, /refresh token rejected/);
        const stats = await oidc.stats();
        assert.equal(stats.reuseDetected, 1);
        assert.equal(stats.refreshRequests, 2);
        assert.equal(JSON.parse(await Deno.readTextFile(file)).tokens?.api, undefined);

        // And again: no token, no request, no loop.
        const again = await outcome(startProcess("deno", env()));
        assert.equal(again.code, 3);
        assert.match(again.result.message!, /no token/);
        assert.equal((await oidc.stats()).refreshRequests, 2);
        for (const r of [after, again]) {
          assert.ok(!r.result.message!.includes(seeded.refresh_token));
          assert.ok(!r.result.message!.includes(seeded.access_token));
        }
      },
    );
  } finally {
    await oidc.close();
    await Deno.remove(dir, { recursive: true });
  }
});
