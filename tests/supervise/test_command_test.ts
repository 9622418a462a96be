import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  assertNoProcesses,
  credkit,
  credkitCommand,
  FIXTURES,
  freePort,
  httpGet,
  makeProject,
  processesWith,
  type Project,
  ROOT,
  startCredkit,
} from "./_credkit.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { junitXml, xmlEscape } from "../../src/supervise/junit.ts";

const ALPHA = "alpha-secret-7e1f0c9b44";
const BETA = "beta-secret-2a6d8e3f91";
const HF = "hf_unrelatedSecret0123456789";
const GH = "ghp_unrelatedSecret9876543210";
const SECRETS = [ALPHA, BETA, HF, GH];

const backend = (code: number, variable: string, services: string[]) => ({
  services,
  command: ["node", join(FIXTURES, "backend.mjs"), String(code), variable, "marker"],
});

function project(): Project {
  const p = makeProject("test");
  p.writeConfig({
    services: {
      alpha: { fields: { token: { env: ["ALPHA_TOKEN"], secret: true } } },
      beta: { fields: { token: { env: ["BETA_TOKEN"], secret: true } } },
      gamma: { fields: { token: { env: ["GAMMA_TOKEN"], secret: true } } },
    },
    backends: {
      good: backend(0, "ALPHA_TOKEN", ["alpha"]),
      bad: backend(1, "BETA_TOKEN", ["beta"]),
      nocreds: backend(0, "GAMMA_TOKEN", ["gamma"]),
    },
  });
  // beta and two built-in services come from the environment; alpha from the file store.
  Object.assign(p.env, { BETA_TOKEN: BETA, HF_TOKEN: HF, GITHUB_TOKEN: GH });
  return p;
}

async function withAlpha(p: Project): Promise<void> {
  const r = await credkit(p, ["add", "alpha", "--stdin"], { stdin: ALPHA });
  assert.equal(r.code, 0, r.stderr);
}

/** Backend outputs shown on stderr (`--- name (STATUS) output ---` sections). */
function sections(stderr: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parts = stderr.split(/^--- (\S+) \((?:PASS|FAIL|SKIP)\) output ---$/m);
  for (let i = 1; i < parts.length; i += 2) out[parts[i]] = parts[i + 1];
  return out;
}

function seen(section: string): string[] {
  const m = /^SEES (.*)$/m.exec(section);
  assert.ok(m, `no SEES line in ${section}`);
  return JSON.parse(m[1]);
}

function validateXml(path: string): void {
  const r = spawnSync("python3", [
    "-c",
    "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])",
    path,
  ], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `not well-formed XML: ${r.stderr}`);
}

Deno.test("credkit test: pass, fail and skip in a table; exit 1; failing output masked", async () => {
  const p = project();
  try {
    await withAlpha(p);
    const r = await credkit(p, ["test"]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^BACKEND\s+RESULT\s+DURATION\s+REASON$/);
    assert.match(lines[1], /^good\s+PASS\s+\d+\.\ds$/);
    assert.match(lines[2], /^bad\s+FAIL\s+\d+\.\ds\s+exit code 1$/);
    assert.match(lines[3], /^nocreds\s+SKIP\s+-\s+missing GAMMA_TOKEN$/);
    assert.equal(lines[4], "1 passed, 1 failed, 1 skipped");
    const shown = sections(r.stderr);
    assert.deepEqual(Object.keys(shown), ["bad"], "only the failing backend's output is shown");
    assert.match(shown.bad, /token=\*\*\*\*/);
    assertNoSecrets(r.stdout + r.stderr, SECRETS);
    await assertNoProcesses(p.dir);
  } finally {
    p.cleanup();
  }
});

Deno.test("credkit test: each backend sees only its own credentials; JSON and JUnit", async () => {
  const p = project();
  try {
    await withAlpha(p);
    const report = join(p.dir, "report.xml");
    const r = await credkit(p, ["test", "-v", "--json", "--junit", "report.xml", "--jobs", "3"]);
    assert.equal(r.code, 1, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(
      json.results.map((
        x: { backend: string; status: string; missing: string[] },
      ) => [x.backend, x.status, x.missing]),
      [["good", "pass", []], ["bad", "fail", []], ["nocreds", "skip", ["GAMMA_TOKEN"]]],
    );
    for (const x of json.results) assert.equal(typeof x.durationMs, "number");
    assert.deepEqual([json.passed, json.failed, json.skipped], [1, 1, 1]);

    // Environment isolation: own variables only; other services' (also built-in ones set in the environment) removed.
    const shown = sections(r.stderr);
    const good = seen(shown.good);
    const bad = seen(shown.bad);
    assert.ok(good.includes("ALPHA_TOKEN"));
    assert.ok(bad.includes("BETA_TOKEN"));
    for (
      const v of ["BETA_TOKEN", "GAMMA_TOKEN", "HF_TOKEN", "HUGGINGFACE_TOKEN", "GITHUB_TOKEN"]
    ) {
      assert.ok(!good.includes(v), `good must not see ${v}`);
    }
    for (const v of ["ALPHA_TOKEN", "GAMMA_TOKEN", "HF_TOKEN", "GITHUB_TOKEN"]) {
      assert.ok(!bad.includes(v), `bad must not see ${v}`);
    }
    assert.ok(good.includes("PATH"), "the rest of the environment is kept");
    assert.match(shown.good, /token=\*\*\*\*/);

    validateXml(report);
    const xml = fs.readFileSync(report, "utf8");
    assert.match(
      xml,
      /<testsuite name="credkit test" tests="3" failures="1" errors="0" skipped="1"/,
    );
    assert.match(xml, /<testcase classname="credkit.backends" name="good" time="[\d.]+">/);
    assert.match(
      xml,
      /<testcase classname="credkit.backends" name="bad"[^>]*>\s*<failure message="exit code 1"/,
    );
    assert.match(
      xml,
      /<testcase classname="credkit.backends" name="nocreds"[^>]*>\s*<skipped message="missing GAMMA_TOKEN"\/>/,
    );
    assert.match(xml, /stderr: &lt;&amp;&gt; &quot;quoted&quot; &apos;single&apos; token \*\*\*\*/);
    assertNoSecrets(xml + r.stdout + r.stderr, SECRETS);
  } finally {
    p.cleanup();
  }
});

Deno.test("credkit test --require-all fails missing credentials; a chosen backend alone passes", async () => {
  const p = project();
  try {
    await withAlpha(p);
    const all = await credkit(p, ["test", "--require-all", "--json"]);
    assert.equal(all.code, 1, all.stderr);
    const json = JSON.parse(all.stdout);
    assert.equal(json.results[2].status, "fail");
    assert.deepEqual(json.results[2].missing, ["GAMMA_TOKEN"]);
    assert.deepEqual([json.passed, json.failed, json.skipped], [1, 2, 0]);

    const one = await credkit(p, ["test", "good"]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^1 passed, 0 failed, 0 skipped$/m);
    assert.doesNotMatch(one.stdout, /bad|nocreds/);

    const skipOnly = await credkit(p, ["test", "nocreds", "good"]);
    assert.equal(skipOnly.code, 0, "skips are not failures");
    assert.match(skipOnly.stdout, /^nocreds\s+SKIP[^\n]*\ngood\s+PASS/m);

    const unknown = await credkit(p, ["test", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown backend "nope"/);
  } finally {
    p.cleanup();
  }
});

Deno.test("credkit test --server starts the server before the tests and stops it after", async () => {
  const p = makeProject("testserver");
  const port = freePort();
  p.env.FIXTURE_PORT = String(port);
  p.env.FIXTURE_URL = `http://127.0.0.1:${port}/health`;
  p.writeConfig({
    services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
    servers: {
      web: {
        command: "node",
        args: [join(FIXTURES, "http_server.mjs"), p.dir],
        services: ["myapi"],
        ready: { url: `http://127.0.0.1:${port}/health`, timeoutMs: 10000 },
      },
    },
    backends: { api: { command: ["node", join(FIXTURES, "check_server.mjs"), p.dir] } },
  });
  try {
    assert.equal((await credkit(p, ["add", "myapi", "--stdin"], { stdin: ALPHA })).code, 0);
    const without = await credkit(p, ["test"]);
    assert.equal(without.code, 1, "no server, the backend fails");
    const r = await credkit(p, ["test", "--server", "web"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^api\s+PASS/m);
    const status = JSON.parse((await credkit(p, ["server", "status", "web", "--json"])).stdout);
    assert.equal(status.running, false);
    await assertNoProcesses(p.dir);
    assertNoSecrets(r.stdout + r.stderr, [ALPHA]);
  } finally {
    await credkit(p, ["server", "stop", "web"]);
    p.cleanup();
  }
});

Deno.test("scripts/run-tests in CI: secrets from the environment, throwaway store removed, exit code passed on", async () => {
  const p = project();
  const tmp = join(p.dir, "tmp");
  fs.mkdirSync(tmp);
  // run-tests wants one executable; wrap `deno run -A main.ts` when no binary is given.
  const [cmd, ...pre] = credkitCommand();
  const wrapper = join(p.dir, "credkit-wrapper");
  fs.writeFileSync(
    wrapper,
    `#!/bin/sh\nexec ${[cmd, ...pre].map((a) => `'${a}'`).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("bash", [join(ROOT, "scripts", "run-tests"), ...args], {
        cwd: p.dir,
        env: { ...p.env, CREDKIT_BIN: wrapper, TMPDIR: tmp, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
  try {
    const ci = { CI: "true", ALPHA_TOKEN: ALPHA };
    const good = await run(["good", "--config", join(p.dir, "credkit.json")], ci);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^good\s+PASS/m);
    assert.match(good.stdout, /1 passed, 0 failed, 0 skipped/);
    assert.match(good.stderr, /imported/i);
    const all = await run([], ci);
    assert.equal(all.code, 1, all.stderr);
    assert.match(all.stdout, /1 passed, 1 failed, 1 skipped/);
    assert.deepEqual(fs.readdirSync(tmp), [], "the throwaway CREDKIT_HOME is removed");
    assertNoSecrets(good.stdout + good.stderr + all.stdout + all.stderr, SECRETS);
  } finally {
    p.cleanup();
  }
});

Deno.test("examples/ipfs_kit: huggingface and s3 pass against the local mock, storacha is skipped", async () => {
  const p = makeProject("ipfskit");
  const port = freePort();
  Object.assign(p.env, {
    IPFS_KIT_MOCK_PORT: String(port),
    HF_TOKEN: HF,
    HF_TEST_REPO: "credkit/test-repo",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE123",
    AWS_SECRET_ACCESS_KEY: "aws-secret-5e7c1d9f0b2a",
    S3_TEST_BUCKET: "credkit-test-bucket",
  });
  try {
    const config = join(ROOT, "examples", "ipfs_kit", "credkit.json");
    const r = await credkit(p, [
      "test",
      "--config",
      config,
      "--server",
      "ipfs-kit-mock",
      "--junit",
      "r.xml",
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^huggingface\s+PASS/m);
    assert.match(r.stdout, /^s3\s+PASS/m);
    assert.match(r.stdout, /^storacha\s+SKIP\s+-\s+missing W3_TOKEN$/m);
    validateXml(join(p.dir, "r.xml"));
    const log = fs.readFileSync(join(p.home, "state", "servers", "ipfs-kit-mock.log"), "utf8");
    assert.match(log, /ipfs_kit mock listening/);
    assert.match(log, /PUT \/s3\/credkit-test-bucket\/\S+ 200/);
    await assertNoProcesses(p.dir);
    assert.equal(
      await httpGet(`http://127.0.0.1:${port}/health`),
      undefined,
      "the mock was stopped",
    );
    assertNoSecrets(r.stdout + r.stderr + log + fs.readFileSync(join(p.dir, "r.xml"), "utf8"), [
      HF,
      "aws-secret-5e7c1d9f0b2a",
      "AKIAEXAMPLE123",
    ]);
  } finally {
    p.cleanup();
  }
});

Deno.test("credkit test: Ctrl-C stops the running backends; nothing is left behind", async () => {
  const p = makeProject("testint");
  p.writeConfig({
    backends: { slow: { command: ["node", "-e", "setTimeout(() => {}, 60000)", p.dir] } },
  });
  try {
    const bg = startCredkit(p, ["test"]);
    const until = Date.now() + 20_000;
    while (!processesWith(p.dir).some((l) => l.includes("setTimeout"))) {
      assert.ok(Date.now() < until, "the backend started");
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(bg.child.pid!, "SIGINT");
    assert.equal(await bg.exited, 130, bg.out.stderr);
    assert.match(bg.out.stdout, /^slow\s+FAIL\s+\S+\s+interrupted$/m);
    await assertNoProcesses(p.dir);
  } finally {
    p.cleanup();
  }
});

Deno.test("JUnit XML escapes markup and characters XML cannot carry", () => {
  assert.equal(
    xmlEscape(`a<b & "c" 'd'>\u0007\r`),
    "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\uFFFD&#13;",
  );
  const xml = junitXml([
    {
      name: "x<y",
      status: "fail",
      durationMs: 1500,
      message: 'bad "exit"',
      output: "\u0000\u001b[31mred]]>",
    },
    { name: "s", status: "skip", durationMs: 0, message: "missing A" },
    { name: "p", status: "pass", durationMs: 10 },
  ], { timestamp: new Date(0) });
  const path = Deno.makeTempFileSync({ suffix: ".xml" });
  try {
    fs.writeFileSync(path, xml);
    validateXml(path);
  } finally {
    fs.rmSync(path);
  }
  assert.match(xml, /name="x&lt;y" time="1.500"/);
  assert.match(xml, /<testcase classname="credkit.backends" name="p" time="0.010"\/>/);
});
