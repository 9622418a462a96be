/**
 * The configuration layers and trust rules, in-process: search bounds,
 * ownership, redefinitions, trust records, changes, CI trust, prompts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { CredkitError } from "../../src/errors.ts";
import { findProjectConfig } from "../../src/config/find.ts";
import { loadLayeredConfig, toolsDirUsable } from "../../src/config/layers.ts";
import { listTrusted, revokeProject, trustProject } from "../../src/config/trust_manage.ts";
import { projectDigest } from "../../src/config/trust.ts";

const AUTH_SERVICE = {
  fields: { token: { env: ["MYAPI_TOKEN"], secret: true } },
  auth: { type: "oauth2", tokenEndpoint: "https://auth.example.com/token", clientId: "c" },
};

/** base (0755) / home (HOME), base/ck (CREDKIT_HOME), base/work/proj (a project). */
function sandbox() {
  const base = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), "credkit-layers-")));
  fs.chmodSync(base, 0o755);
  const home = join(base, "home");
  const proj = join(base, "work", "proj");
  fs.mkdirSync(home);
  fs.mkdirSync(join(proj, "src"), { recursive: true });
  const env = { HOME: home, CREDKIT_HOME: join(base, "ck") };
  const stateDir = join(base, "ck", "state");
  const write = (path: string, data: unknown, mode = 0o644) => {
    fs.mkdirSync(join(path, ".."), { recursive: true });
    fs.writeFileSync(path, JSON.stringify(data));
    fs.chmodSync(path, mode);
  };
  const t = { cwd: join(proj, "src"), env, stateDir, clock: () => 0 };
  const load = (extra: Partial<Parameters<typeof loadLayeredConfig>[0]> = {}) =>
    loadLayeredConfig({ ...t, ...extra });
  return {
    base,
    home,
    proj,
    env,
    stateDir,
    write,
    t,
    load,
    done: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

async function refused(p: Promise<unknown>, re: RegExp): Promise<CredkitError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CredkitError, String(err));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, re);
    return err;
  }
  throw new assert.AssertionError({ message: `expected a refusal matching ${re}` });
}

Deno.test("search goes up from the working directory and stops before $HOME", () => {
  const s = sandbox();
  try {
    const inHome = join(s.home, "code", "p");
    fs.mkdirSync(inHome, { recursive: true });
    s.write(join(s.home, "credkit.json"), {});
    assert.equal(findProjectConfig(inHome, s.env), undefined, "$HOME/credkit.json is never found");
    s.write(join(s.home, "code", "credkit.json"), {});
    assert.equal(findProjectConfig(inHome, s.env), join(s.home, "code", "credkit.json"));
    // base is above $HOME: never searched, even from outside home.
    s.write(join(s.base, "credkit.json"), {});
    assert.equal(findProjectConfig(join(s.proj, "src"), s.env), undefined);
    s.write(join(s.base, "work", "credkit.json"), {});
    assert.equal(
      findProjectConfig(join(s.proj, "src"), s.env),
      join(s.base, "work", "credkit.json"),
    );
  } finally {
    s.done();
  }
});

Deno.test("a found config that others may write, or that another user owns, is refused", async () => {
  const s = sandbox();
  try {
    const path = join(s.proj, "credkit.json");
    s.write(path, {}, 0o666);
    await refused(
      s.load(),
      /^Refusing config .*proj\/credkit\.json: writable by group or others \(mode 0666\)/,
    );
    fs.chmodSync(path, 0o620);
    await refused(s.load(), /writable by group or others/);
    fs.chmodSync(path, 0o644);
    assert.equal((await s.load()).path, path);
    // Named with --config, the user chose it.
    fs.chmodSync(path, 0o666);
    assert.equal((await s.load({ explicitPath: path })).path, path);
    if (process.getuid?.() === 0) {
      fs.chmodSync(path, 0o644);
      assert.equal(spawnSync("chown", ["nobody", path]).status, 0);
      await refused(s.load(), /owned by another user \(uid \d+\)/);
    } else {
      console.error("not root: the other-owner case is covered by the e2e test only when root");
    }
  } finally {
    s.done();
  }
});

Deno.test("a project config adds, never redefines built-in or user services", async () => {
  const s = sandbox();
  try {
    const path = join(s.proj, "credkit.json");
    s.write(join(s.base, "ck", "credkit.json"), {
      services: { mine: { fields: { key: { env: ["MINE_KEY"], secret: true } } } },
      servers: { web: { command: "node", cwd: "srv", services: ["mine"] } },
    });
    s.write(path, { services: { extra: { fields: { url: { env: ["EXTRA_URL"] } } } } });
    const cfg = await s.load();
    assert.ok(cfg.services.mine && cfg.services.extra && cfg.services.github);
    assert.equal(cfg.servers.web.cwd, join(s.base, "ck", "srv"));
    for (
      const [data, re] of [
        [
          { services: { github: { fields: { token: { env: ["GITHUB_TOKEN"], secret: false } } } } },
          /redefines the built-in service "github"/,
        ],
        [
          { services: { mine: { fields: { key: { env: ["MINE_KEY"] } } } } },
          /redefines the service "mine" of your user config/,
        ],
        [{ servers: { web: { command: "evil" } } }, /redefines the server "web"/],
      ] as const
    ) {
      s.write(path, data);
      await refused(s.load(), re);
      await refused(s.load({ explicitPath: path }), re);
    }
  } finally {
    s.done();
  }
});

Deno.test("auth in a found config needs trust; a change needs it again", async () => {
  const s = sandbox();
  try {
    const path = join(s.proj, "credkit.json");
    s.write(path, { services: { myapi: AUTH_SERVICE } });
    const err = await refused(s.load(), /^Untrusted config .*: it declares auth for myapi/);
    assert.match(err.message, /credkit trust .*proj\/credkit\.json/);
    assert.ok((await s.load({ explicitPath: path })).services.myapi, "--config is trusted");
    assert.ok(
      (await s.load({ env: { ...s.env, CREDKIT_TRUSTED_CONFIG_PATHS: `/x:${s.proj}` } })).services
        .myapi,
    );

    const record = await trustProject(undefined, s.t);
    assert.equal(record.path, path);
    assert.equal(record.sha256, projectDigest(path));
    assert.equal(record.sha256, createHash("sha256").update(fs.readFileSync(path)).digest("hex"));
    assert.ok((await s.load()).services.myapi);
    assert.equal(fs.statSync(join(s.stateDir, "trusted-configs.json")).mode & 0o777, 0o600);

    fs.appendFileSync(path, " ");
    fs.chmodSync(path, 0o644); // Deno's appendFileSync leaves 0666
    await refused(s.load(), /it changed since you trusted it/);
    assert.deepEqual(listTrusted(s.t).map((l) => l.status), ["changed"]);
    // On a terminal the user may say yes (recorded) or no (refused).
    await refused(s.load({ confirm: () => Promise.resolve(false) }), /Untrusted config/);
    const asked: string[] = [];
    const cfg = await s.load({ confirm: (q) => (asked.push(q), Promise.resolve(true)) });
    assert.ok(cfg.services.myapi);
    assert.match(asked[0], /Trust it\? \[y\/N\]/);
    assert.deepEqual(listTrusted(s.t).map((l) => l.status), ["ok"]);

    assert.equal(revokeProject(join(s.proj), s.t), path);
    await refused(s.load(), /Untrusted config/);
    assert.throws(() => revokeProject(path, s.t), /not trusted/);
  } finally {
    s.done();
  }
});

Deno.test("tool manifests beside a config are hashed with it; lone tool dirs need trust too", async () => {
  const s = sandbox();
  try {
    const path = join(s.proj, "credkit.json");
    const tools = join(s.proj, ".credkit", "tools");
    s.write(path, { services: {} });
    assert.ok(await s.load(), "no auth, no tools: no trust needed");
    s.write(join(tools, "t.json"), { id: "t" });
    await refused(s.load(), /1 tool manifest\(s\) in \.credkit\/tools\//);
    await trustProject(s.proj, s.t);
    assert.ok(await s.load());
    s.write(join(tools, "t.json"), { id: "t", changed: true });
    await refused(s.load(), /changed since you trusted it/);
    await trustProject(path, s.t);
    fs.chmodSync(join(tools, "t.json"), 0o666);
    await refused(s.load(), /^Refusing tool manifest .*t\.json: writable by group or others/);
    await refused(trustProject(path, s.t), /Refusing tool manifest/);

    // A .credkit/tools/ without credkit.json, found by search.
    fs.rmSync(path);
    fs.chmodSync(join(tools, "t.json"), 0o644);
    const opts = { ...s.t, cwd: s.proj };
    await refused(
      toolsDirUsable(tools, opts),
      /Untrusted config .*proj\/credkit\.json: .*1 tool manifest/,
    );
    await trustProject(undefined, opts);
    assert.equal(await toolsDirUsable(tools, opts), true);
    assert.equal(
      await toolsDirUsable(tools, { ...opts, configPath: join(s.proj, "credkit.json") }),
      true,
    );
    // In $HOME: not picked up by search.
    const homeTools = join(s.home, ".credkit", "tools");
    s.write(join(homeTools, "t.json"), { id: "t" });
    assert.equal(await toolsDirUsable(homeTools, { ...s.t, cwd: s.home }), false);
  } finally {
    s.done();
  }
});

Deno.test("credkit trust refuses what loading would refuse", async () => {
  const s = sandbox();
  try {
    const path = join(s.proj, "credkit.json");
    await refused(trustProject(undefined, s.t), /No credkit\.json to trust: none found from/);
    s.write(path, { services: { github: { fields: { token: { env: ["GITHUB_TOKEN"] } } } } });
    await refused(trustProject(undefined, s.t), /redefines the built-in service "github"/);
    s.write(path, { services: { myapi: { fields: {} } } }, 0o664);
    await refused(trustProject(undefined, s.t), /writable by group or others/);
    s.write(path, { services: { myapi: { fields: { t: { env: "X" } } } } });
    await refused(trustProject(undefined, s.t), /Invalid config .*services\.myapi\.fields\.t\.env/);
    assert.deepEqual(listTrusted(s.t), []);
  } finally {
    s.done();
  }
});
