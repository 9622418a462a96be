import assert from "node:assert/strict";
import * as fs from "node:fs";
import process from "node:process";
import { join } from "node:path";
import {
  assertNoProcesses,
  credkit,
  FIXTURES,
  freePort,
  httpGet,
  makeProject,
  ROOT,
  startCredkit,
} from "./_credkit.ts";
import { assertNoSecrets } from "../_helpers.ts";

// The restart latency measured here is credkit's (notice → re-resolve → stop →
// spawn) plus the fixture's own start-up; Bun starts an HTTP server several
// times faster than Node, so it runs the fixture when it is installed.
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const FAST_JS = fs.existsSync(BUN) ? BUN : "node";

const SECRET_1 = "watch-first-1c7e93a0d2";
const SECRET_2 = "watch-second-5b28f4e6a9";

Deno.test("server run --watch restarts the server within a second of `credkit add`", async () => {
  const p = makeProject("watch");
  const port = freePort();
  p.env.FIXTURE_PORT = String(port);
  p.writeConfig({
    services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
    servers: {
      web: {
        command: FAST_JS,
        args: [join(FIXTURES, "http_server.mjs"), p.dir],
        services: ["myapi"],
        ready: { url: `http://127.0.0.1:${port}/health`, timeoutMs: 10000 },
        stopTimeoutMs: 3000,
      },
    },
  });
  const url = `http://127.0.0.1:${port}/value`;
  const added = await credkit(p, ["add", "myapi", "--stdin"], { stdin: SECRET_1 });
  assert.equal(added.code, 0, added.stderr);
  const bg = startCredkit(p, ["server", "run", "web", "--watch"]);
  try {
    await bg.waitFor(/server web is ready/);
    assert.equal(await httpGet(url), SECRET_1);

    const r = await credkit(p, ["add", "myapi", "--stdin"], { stdin: SECRET_2 });
    assert.equal(r.code, 0, r.stderr);
    let latency = -1;
    while (Date.now() - r.endedAt < 5000) {
      if ((await httpGet(url)) === SECRET_2) {
        latency = Date.now() - r.endedAt;
        break;
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    console.log(`--watch restart latency after credkit add exited: ${latency} ms`);
    assert.ok(latency >= 0, "the server was restarted with the new value");
    assert.ok(latency < 1000, `restarted within 1 s (took ${latency} ms)`);
    await bg.waitFor(/myapi\.token changed; restarting/);

    const status = JSON.parse((await credkit(p, ["server", "status", "web", "--json"])).stdout);
    assert.equal(status.running, true);
    assert.equal(status.restarts, 1);
    assert.equal(status.credentials[0].changed, false);

    // (process.kill: Deno's ChildProcess.kill would report the signal instead of the exit code)
    process.kill(bg.child.pid!, "SIGTERM");
    assert.equal(await bg.exited, 0, `${bg.child.signalCode} ${bg.out.stderr}`);
    await assertNoProcesses(p.dir);
    const log = fs.readFileSync(join(p.home, "state", "servers", "web.log"), "utf8");
    assert.match(log, /MYAPI_TOKEN=\*\*\*\*/);
    assertNoSecrets(bg.out.stdout + bg.out.stderr + log, [SECRET_1, SECRET_2]);
  } finally {
    bg.child.kill("SIGKILL");
    await credkit(p, ["server", "stop", "web"]);
    p.cleanup();
  }
});

Deno.test("server run: a crash loop backs off exponentially and gives up after maxRestarts", async () => {
  const p = makeProject("crashloop");
  const stamps = join(p.dir, "stamps.txt");
  p.writeConfig({
    services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
    servers: {
      crashy: {
        command: FAST_JS,
        args: [join(FIXTURES, "crash.mjs"), p.dir],
        services: ["myapi"],
        restart: { maxRestarts: 3, backoffMs: 150, maxBackoffMs: 5000 },
      },
    },
  });
  try {
    assert.equal((await credkit(p, ["add", "myapi", "--stdin"], { stdin: SECRET_1 })).code, 0);
    const r = await credkit(p, ["server", "run", "crashy"], { env: { FIXTURE_STAMPS: stamps } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /credkit: server crashy failed: gave up after 3 restarts: the server crashed 4 times in a row, each within 10 s of starting \(last: exited with code 3\)/,
    );
    const delays = [...r.stderr.matchAll(/restarting in (\d+) ms \(restart (\d) of 3\)/g)].map((
      m,
    ) => Number(m[1]));
    assert.deepEqual(delays, [150, 300, 600]);
    const times = fs.readFileSync(stamps, "utf8").trim().split("\n").map(Number);
    assert.equal(times.length, 4, "started once and restarted 3 times");
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    for (let i = 0; i < gaps.length; i++) {
      assert.ok(gaps[i] >= delays[i], `gap ${gaps[i]} >= ${delays[i]}`);
    }
    assert.match(r.stdout, /crash fixture: token \*\*\*\*/);
    assertNoSecrets(r.stdout + r.stderr, [SECRET_1]);
    await assertNoProcesses(p.dir);
    const status = JSON.parse((await credkit(p, ["server", "status", "crashy", "--json"])).stdout);
    assert.equal(status.running, false);
    assert.equal(status.phase, "failed");
    assert.match(status.reason, /gave up/);
  } finally {
    p.cleanup();
  }
});

Deno.test("server run with missing credentials exits 3 naming them", async () => {
  const p = makeProject("runmissing");
  p.writeConfig({
    services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
    servers: { web: { command: "node", args: [join(FIXTURES, "crash.mjs")], services: ["myapi"] } },
  });
  try {
    const r = await credkit(p, ["server", "run", "web"]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /missing MYAPI_TOKEN/);
  } finally {
    p.cleanup();
  }
});
