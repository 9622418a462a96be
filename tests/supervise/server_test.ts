import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import {
  assertNoProcesses,
  credkit,
  FIXTURES,
  freePort,
  httpGet,
  makeProject,
  pidAlive,
  type Project,
} from "./_credkit.ts";
import { isSameProcess, processStartTime, serverPaths } from "../../src/supervise/server_state.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { cli } from "../cli/_cli.ts";

const SECRET_1 = "tok-first-4f9a2c1e7b";
const SECRET_2 = "tok-second-8d3b6a0f5c";

function webProject(
  label: string,
  ready: (port: number) => Record<string, unknown>,
): { p: Project; port: number } {
  const p = makeProject(label);
  const port = freePort();
  p.writeConfig({
    services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
    servers: {
      web: {
        command: "node",
        args: [join(FIXTURES, "http_server.mjs"), p.dir],
        services: ["myapi"],
        ready: { timeoutMs: 10000, ...ready(port) },
        stopTimeoutMs: 3000,
      },
    },
  });
  p.env.FIXTURE_PORT = String(port);
  return { p, port };
}

async function addToken(p: Project, value: string): Promise<void> {
  const r = await credkit(p, ["add", "myapi", "--stdin"], { stdin: value });
  assert.equal(r.code, 0, r.stderr);
}

function readLog(p: Project): string {
  const log = serverPaths(join(p.home, "state"), "web").log;
  return fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
}

Deno.test("server start → status → restart → stop on a real HTTP server (ready by URL)", async () => {
  const { p, port } = webProject("server", (port) => ({ url: `http://127.0.0.1:${port}/health` }));
  const outputs: string[] = [];
  try {
    // Missing credentials: exit 3, listed, nothing started.
    const missing = await credkit(p, ["server", "start", "web"]);
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /MYAPI_TOKEN/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/health`), undefined);

    await addToken(p, SECRET_1);
    const env = { FIXTURE_SPAWN_CHILD: "1" };
    const started = await credkit(p, ["server", "start", "web", "--json"], { env });
    outputs.push(started.stdout, started.stderr);
    assert.equal(started.code, 0, started.stderr);
    const info = JSON.parse(started.stdout);
    assert.ok(info.pid > 0);
    assert.equal(info.logPath, serverPaths(join(p.home, "state"), "web").log);
    // Ready means ready: the route answers at once, with the stored value.
    assert.equal(await httpGet(`http://127.0.0.1:${port}/value`), SECRET_1);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/pid`), String(info.pid));
    const grandchild = Number(await httpGet(`http://127.0.0.1:${port}/child`));
    assert.ok(pidAlive(grandchild));

    // A second start reports the running one.
    const again = await credkit(p, ["server", "start", "web"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already running/);

    const status = await credkit(p, ["server", "status", "web", "--json"]);
    outputs.push(status.stdout, status.stderr);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.running, true);
    assert.equal(s.pid, info.pid);
    assert.equal(s.restarts, 0);
    assert.ok(s.uptimeMs >= 0);
    assert.deepEqual(s.credentials, [{
      name: "myapi.token",
      variable: "MYAPI_TOKEN",
      source: "file",
      changed: false,
    }]);

    // A new value: status says it changed since start; restart applies it.
    await addToken(p, SECRET_2);
    const changed = JSON.parse((await credkit(p, ["server", "status", "web", "--json"])).stdout);
    assert.equal(changed.credentials[0].changed, true);
    const text = await credkit(p, ["server", "status", "web"]);
    outputs.push(text.stdout);
    assert.match(text.stdout, /web: running, pid \d+/);
    assert.match(text.stdout, /myapi\.token\s+MYAPI_TOKEN\s+file\s+changed/);

    const restarted = await credkit(p, ["server", "restart", "web"], { env });
    outputs.push(restarted.stdout, restarted.stderr);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stderr, /started \(pid \d+\)/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/value`), SECRET_2);
    assert.notEqual(await httpGet(`http://127.0.0.1:${port}/pid`), String(info.pid));
    assert.ok(!pidAlive(grandchild), "the old server's grandchild was stopped with it");

    const logs = await credkit(p, ["server", "logs", "web", "-n", "3"]);
    outputs.push(logs.stdout, logs.stderr);
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.trim().split("\n").length <= 3);

    const stopped = await credkit(p, ["server", "stop", "web"]);
    outputs.push(stopped.stdout, stopped.stderr);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /stopped/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/health`), undefined);
    const after = JSON.parse((await credkit(p, ["server", "status", "web", "--json"])).stdout);
    assert.equal(after.running, false);
    await assertNoProcesses(p.dir);

    // The log has the server's output with the secret masked.
    const log = readLog(p);
    assert.match(log, /fixture: using MYAPI_TOKEN=\*\*\*\*/);
    assertNoSecrets(log + outputs.join("\n"), [SECRET_1, SECRET_2]);
  } finally {
    await credkit(p, ["server", "stop", "web"]);
    p.cleanup();
  }
});

Deno.test("server start waits for a log line when that is the readiness check", async () => {
  const { p, port } = webProject("logline", () => ({ logLine: "fixture listening on" }));
  try {
    await addToken(p, SECRET_1);
    const started = await credkit(p, ["server", "start", "web"]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stderr, /started \(pid \d+\); log: .*web\.log/);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/health`), "ok");
    const stopped = await credkit(p, ["server", "stop", "web"]);
    assert.equal(stopped.code, 0, stopped.stderr);
    await assertNoProcesses(p.dir);
    assertNoSecrets(readLog(p) + started.stderr, [SECRET_1]);
  } finally {
    await credkit(p, ["server", "stop", "web"]);
    p.cleanup();
  }
});

Deno.test("a server that crashes on start: exit 1 with the last log lines, masked", async () => {
  const { p, port } = webProject("crash", () => ({ logLine: "fixture listening on" }));
  try {
    await addToken(p, SECRET_1);
    const r = await credkit(p, ["server", "start", "web"], { env: { FIXTURE_CRASH: "1" } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /credkit: Cannot start server web: the server exited with code 3 before it was ready/,
    );
    assert.match(r.stderr, /last \d+ lines? of \S+web\.log:\n/);
    assert.match(
      r.stderr.trimEnd().split("\n").at(-1)!,
      /^credkit: Cannot start server web: .*\(log: \S+web\.log\)$/,
    );
    assert.match(r.stderr, /fatal: cannot open the database/);
    assert.match(r.stderr, /loaded MYAPI_TOKEN=\*\*\*\*/);
    assertNoSecrets(r.stderr + r.stdout + readLog(p), [SECRET_1]);
    assert.equal(await httpGet(`http://127.0.0.1:${port}/health`), undefined);
    await assertNoProcesses(p.dir);
    const status = JSON.parse((await credkit(p, ["server", "status", "web", "--json"])).stdout);
    assert.equal(status.running, false);
    assert.equal(status.phase, "failed");
  } finally {
    p.cleanup();
  }
});

Deno.test("a server that is not ready in time: exit 1, stopped, nothing left behind", async () => {
  const { p } = webProject(
    "timeout",
    () => ({ logLine: "a line that never comes", timeoutMs: 1500 }),
  );
  try {
    await addToken(p, SECRET_1);
    const r = await credkit(p, ["server", "start", "web"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /not ready after 1\.5 s/);
    assert.match(r.stderr, /fixture listening on/);
    await assertNoProcesses(p.dir);
  } finally {
    p.cleanup();
  }
});

Deno.test("a stale state file whose pid was reused is not running and never signalled", async () => {
  const { p } = webProject("stale", () => ({ logLine: "fixture listening on" }));
  const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
  try {
    const pid = sleeper.pid!;
    const real = processStartTime(pid);
    assert.ok(real !== null);
    assert.equal(isSameProcess({ pid, startTime: real }), true);
    assert.equal(isSameProcess({ pid, startTime: "1" }), false);
    const paths = serverPaths(join(p.home, "state"), "web");
    fs.mkdirSync(paths.dir, { recursive: true });
    fs.writeFileSync(
      paths.state,
      JSON.stringify({
        name: "web",
        pid,
        startTime: "1",
        supervisorPid: pid,
        supervisorStartTime: "1",
        detached: true,
        phase: "running",
        logPath: paths.log,
        startedAt: Date.now() - 60_000,
        serverStartedAt: Date.now() - 60_000,
        restarts: 0,
        salt: "00",
        credentials: [],
      }),
    );
    const status = await credkit(p, ["server", "status", "web", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.running, false);
    assert.equal(s.pid, null);
    assert.match(s.reason, /supervisor/);

    const stop = await credkit(p, ["server", "stop", "web"]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stderr, /not running \(stale state removed; nothing was signalled\)/);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(pidAlive(pid), "the process that reused the pid is alive");
    assert.equal(sleeper.exitCode, null);
    assert.equal(sleeper.signalCode, null);
    assert.ok(!fs.existsSync(paths.state));
  } finally {
    sleeper.kill("SIGKILL");
    p.cleanup();
  }
});

Deno.test("server start on a terminal offers to add missing credentials; declining exits 3", async () => {
  const stateDir = Deno.makeTempDirSync();
  try {
    const r = await cli(["server", "start", "web"], {
      stdinIsTTY: true,
      answers: ["n"],
      stateDir,
      config: {
        services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
        servers: { web: { command: "node", args: ["server.mjs"], services: ["myapi"] } },
      },
    });
    assert.equal(r.code, 3, r.err);
    assert.deepEqual(r.prompts, ["Add them now? [y/N] "]);
    assert.match(r.err, /server web needs MYAPI_TOKEN/);
    assert.match(r.err, /credkit: Cannot start server web: missing MYAPI_TOKEN/);
    assert.ok(!fs.existsSync(join(stateDir, "servers", "web.json")), "nothing was started");
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
