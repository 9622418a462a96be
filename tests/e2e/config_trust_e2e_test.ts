/**
 * The two attacks of a hostile credkit.json in a parent directory, as a user
 * meets them (compiled binary, Deno, Bun): one, world-writable or owned by
 * another user, redefines `supabase` with its own token endpoint; one
 * redefines `github.token` as not secret. `run` and `show` refuse (exit 2),
 * no request reaches the attacker's endpoint, nothing is printed in clear.
 * Then the trust flow a real user follows for a config of their own.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { credkit, type Result, runtimes } from "./_runtimes.ts";

/** An HTTP server that records every request and answers `invalid_grant`. */
async function recorder() {
  const seen: { url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ url: req.url ?? "", body });
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "invalid_grant" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** base (0755, enterable by nobody) / home ($HOME), ck (CREDKIT_HOME), shared/project. */
function sandbox() {
  const base = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), "credkit-trust-")));
  fs.chmodSync(base, 0o755);
  const home = join(base, "home");
  const shared = join(base, "shared");
  const project = join(shared, "project");
  fs.mkdirSync(home);
  fs.mkdirSync(project, { recursive: true });
  const env = { HOME: home, CREDKIT_HOME: join(base, "ck"), CREDKIT_STORE: "file", CI: "true" };
  return { base, home, shared, project, env };
}

const random = () => crypto.randomUUID().replaceAll("-", "");

function assertRefused(r: Result, secrets: string[], re: RegExp): void {
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, re);
  for (const s of secrets) assert.ok(!(r.out + r.err).includes(s), "a secret was printed");
}

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] a hostile credkit.json in a parent directory is refused`, async () => {
    const api = await recorder();
    const s = sandbox();
    try {
      const ghToken = "gh" + "p_" + random();
      const refresh = "rt-" + random();
      const access = "at-" + random();
      const setup = { env: s.env, cwd: s.home };
      assert.equal(
        (await credkit(rt, ["add", "github", "--stdin"], { ...setup, stdin: ghToken })).code,
        0,
      );
      const signin = await credkit(rt, ["auth", "signin", "supabase", "--token-stdin"], {
        ...setup,
        stdin: JSON.stringify({ access_token: access, refresh_token: refresh, expires_in: 1 }),
      });
      assert.equal(signin.code, 0, signin.err);
      const secrets = [ghToken, refresh, access];
      const hostile = join(s.shared, "credkit.json");
      const opts = { env: s.env, cwd: s.project };

      // 1. supabase redirected to the attacker's token endpoint.
      fs.writeFileSync(
        hostile,
        JSON.stringify({
          services: {
            supabase: {
              fields: { token: { env: ["SUPABASE_TOKEN"], secret: true } },
              auth: { type: "oauth2", tokenEndpoint: `${api.base}/token`, clientId: "x" },
            },
          },
        }),
      );
      const owners: [string, () => void, RegExp][] = [
        ["world-writable", () => fs.chmodSync(hostile, 0o666), /writable by group or others/],
      ];
      if (process.getuid?.() === 0) {
        owners.push([
          "owned by nobody",
          () => {
            fs.chmodSync(hostile, 0o644);
            assert.equal(spawnSync("chown", ["nobody", hostile]).status, 0);
          },
          /owned by another user/,
        ]);
      }
      for (const [label, arrange, reason] of owners) {
        arrange();
        for (const args of [["run", "--", "true"], ["show"], ["show", "supabase", "--reveal"]]) {
          const r = await credkit(rt, args, opts);
          assertRefused(
            r,
            secrets,
            new RegExp(`^credkit: Refusing config ${hostile}: ${reason.source}`),
          );
          assert.ok(r.err.includes(hostile), label);
        }
      }
      // Made safe by its owner, it still may not redefine a built-in service.
      spawnSync("chown", [String(process.getuid?.() ?? 0), hostile]);
      fs.chmodSync(hostile, 0o644);
      assertRefused(
        await credkit(rt, ["run", "--", "true"], opts),
        secrets,
        /redefines the built-in service "supabase"/,
      );
      assert.deepEqual(api.seen, [], "no request reached the attacker's endpoint");
      const stored = await credkit(rt, ["auth", "status", "--json"], setup);
      assert.match(stored.out, /"supabase"/, "the stored token was not deleted");

      // 2. github.token declared not secret: show and run would print it in clear.
      fs.writeFileSync(
        hostile,
        JSON.stringify({
          services: { github: { fields: { token: { env: ["GITHUB_TOKEN"], secret: false } } } },
        }),
      );
      for (const mode of [0o666, 0o644]) {
        fs.chmodSync(hostile, mode);
        for (
          const args of [
            ["show", "github"],
            ["show", "--json"],
            ["run", "--", "sh", "-c", 'printf %s "$GITHUB_TOKEN"'],
          ]
        ) {
          assertRefused(
            await credkit(rt, args, opts),
            secrets,
            mode === 0o666
              ? /writable by group or others/
              : /redefines the built-in service "github"/,
          );
        }
      }
    } finally {
      await api.close();
      fs.rmSync(s.base, { recursive: true, force: true });
    }
  });

  Deno.test(`[${rt.name}] a project config with auth is used once trusted`, async () => {
    const api = await recorder();
    const s = sandbox();
    try {
      const path = join(s.project, "credkit.json");
      fs.writeFileSync(
        path,
        JSON.stringify({
          services: {
            myapi: {
              fields: { token: { env: ["MYAPI_TOKEN"], secret: true } },
              auth: { type: "oauth2", tokenEndpoint: `${api.base}/token`, clientId: "c" },
            },
          },
        }),
      );
      const opts = { env: s.env, cwd: s.project };
      const untrusted = await credkit(rt, ["show", "myapi"], opts);
      assert.equal(untrusted.code, 2);
      assert.match(
        untrusted.err,
        new RegExp(`^credkit: Untrusted config ${path}: .*auth for myapi`),
      );
      assert.match(untrusted.err, new RegExp(`credkit trust ${path}`));

      assert.equal((await credkit(rt, ["--config", path, "show", "myapi"], opts)).code, 0);
      const ci = { ...opts, env: { ...s.env, CREDKIT_TRUSTED_CONFIG_PATHS: `/nowhere:${path}` } };
      assert.equal((await credkit(rt, ["show", "myapi"], ci)).code, 0);

      const trust = await credkit(rt, ["trust"], opts);
      assert.equal(trust.code, 0, trust.err);
      // What `sha256sum credkit.json` prints, whichever runtime hashed it.
      const digest = createHash("sha256").update(fs.readFileSync(path)).digest("hex");
      assert.equal(trust.out, `trusted ${path} (sha256 ${digest})\n`);
      const shown = await credkit(rt, ["show", "myapi"], opts);
      assert.equal(shown.code, 0, shown.err);
      assert.match(shown.out, /MYAPI_TOKEN/);

      // A tool manifest beside it is part of what was trusted.
      const tools = join(s.project, ".credkit", "tools");
      fs.mkdirSync(tools, { recursive: true });
      fs.writeFileSync(join(tools, "t.json"), "{}");
      const withTool = await credkit(rt, ["show", "myapi"], opts);
      assert.equal(withTool.code, 2);
      assert.match(withTool.err, /changed since you trusted it; .*1 tool manifest/);
      fs.rmSync(tools, { recursive: true });
      assert.equal((await credkit(rt, ["show", "myapi"], opts)).code, 0);

      fs.appendFileSync(path, "\n");
      fs.chmodSync(path, 0o644); // Deno's appendFileSync leaves 0666
      const changed = await credkit(rt, ["run", "--", "true"], opts);
      assert.equal(changed.code, 2);
      assert.match(changed.err, /changed since you trusted it/);
      const list = await credkit(rt, ["trust", "--list", "--json"], opts);
      assert.deepEqual(JSON.parse(list.out).trusted.map((t: { status: string }) => t.status), [
        "changed",
      ]);
      assert.equal((await credkit(rt, ["trust", "--revoke", path], opts)).code, 0);
      assert.equal((await credkit(rt, ["trust", "--revoke", path], opts)).code, 2);
      assert.deepEqual(api.seen, []);
    } finally {
      await api.close();
      fs.rmSync(s.base, { recursive: true, force: true });
    }
  });
}
