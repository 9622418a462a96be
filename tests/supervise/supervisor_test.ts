/**
 * supervise() driven with a fake spawn and a fake clock: no real process is
 * started and no test waits on the wall clock for its outcome.
 */
import assert from "node:assert/strict";
import type { spawn as nodeSpawn } from "node:child_process";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import type { ServerDef } from "../../src/config.ts";
import type { ResolvedService } from "../../src/resolve.ts";
import { readServerState } from "../../src/supervise/server_state.ts";
import { supervise } from "../../src/supervise/supervisor.ts";

/** Above any Linux pid_max: signalling its group can never reach a real process. */
const FAKE_PID_BASE = 5_000_000;

interface FakeRun {
  pid: number;
  args: string[];
  env: Record<string, string>;
}

/**
 * A spawn that starts nothing: each "child" writes `output` and exits with
 * the next code of `codes`, after the clock moved on by `runMs`.
 */
function fakeSpawn(
  codes: number[],
  clock: { now: number },
  runMs: number,
  output = "",
): { spawn: typeof nodeSpawn; runs: FakeRun[] } {
  const runs: FakeRun[] = [];
  const spawn = ((_path: string, args: string[], options: { env: Record<string, string> }) => {
    const child = new EventEmitter() as EventEmitter & Record<string, unknown>;
    const pid = FAKE_PID_BASE + runs.length;
    runs.push({ pid, args, env: options.env });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    Object.assign(child, { pid, stdout, stderr, stdin: null, unref() {}, kill: () => true });
    const code = codes[Math.min(runs.length - 1, codes.length - 1)];
    queueMicrotask(() => {
      if (output) stdout.write(output);
      stdout.end();
      stderr.end();
      setImmediate(() => {
        clock.now += runMs;
        child.emit("exit", code, null);
      });
    });
    return child;
  }) as unknown as typeof nodeSpawn;
  return { spawn, runs };
}

function sink(): Writable & { text(): string } {
  const chunks: Uint8Array[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString() });
}

function def(over: Partial<ServerDef> = {}): ServerDef {
  return {
    command: "sh",
    args: ["-c", "serve"],
    services: [],
    restart: { maxRestarts: 2, backoffMs: 1, maxBackoffMs: 1 },
    stopTimeoutMs: 1000,
    ...over,
  } as ServerDef;
}

const SECRET = ["fake", "secret", String(Date.now())].join("-");

function setup(codes: number[], runMs: number, output = "") {
  const stateDir = fs.mkdtempSync(join(tmpdir(), "credkit-sup-"));
  const clock = { now: 1_000_000 };
  const fake = fakeSpawn(codes, clock, runMs, output);
  const log: string[] = [];
  const stdout = sink();
  const opts = {
    name: "fake",
    def: def(),
    cwd: stateDir,
    resolve: (): Promise<Record<string, ResolvedService>> =>
      Promise.resolve({
        svc: {
          token: {
            service: "svc",
            field: "token",
            variables: ["SVC_TOKEN"],
            variable: "SVC_TOKEN",
            value: SECRET,
            source: "env" as const,
            secret: true,
          },
        },
      }),
    baseEnv: { PATH: "/usr/bin:/bin" },
    stateDir,
    logPath: join(stateDir, "fake.log"),
    detached: false,
    stdout,
    stderr: sink(),
    log: (l: string) => log.push(l),
    spawn: fake.spawn,
    fetch: (() => Promise.reject(new Error("no network"))) as typeof fetch,
    clock: () => clock.now,
  };
  return { opts, log, runs: fake.runs, stateDir, stdout };
}

Deno.test("supervise (fake spawn): a crash loop backs off and gives up after maxRestarts", async () => {
  const t = setup([3], 200);
  const code = await supervise(t.opts);
  assert.equal(code, 1);
  assert.equal(t.runs.length, 3); // the first run and two restarts
  assert.equal(t.runs[0].env.SVC_TOKEN, SECRET);
  assert.equal(t.runs[0].env.PATH, "/usr/bin:/bin");
  assert.match(
    t.log[0],
    /^credkit: server fake exited with code 3 after 0\.2 s; restarting in 1 ms \(restart 1 of 2\)$/,
  );
  assert.match(
    t.log.at(-1)!,
    /^credkit: server fake failed: gave up after 2 restarts: the server crashed 3 times in a row/,
  );
  const state = readServerState(t.stateDir, "fake")!;
  assert.equal(state.phase, "failed");
  assert.equal(state.restarts, 2);
  assert.equal(state.pid, 0);
  assert.equal(state.credentials[0].variable, "SVC_TOKEN");
  assert.ok(!JSON.stringify(state).includes(SECRET));
  fs.rmSync(t.stateDir, { recursive: true });
});

Deno.test("supervise (fake spawn): runs longer than quickCrashMs are restarted without giving up", async () => {
  const t = setup([1, 1, 1, 1, 0], 60_000);
  const code = await supervise(t.opts);
  assert.equal(code, 0);
  assert.equal(t.runs.length, 5);
  assert.ok(t.log.every((l) => !l.includes("gave up")));
  assert.match(t.log.at(-1)!, /stopped: the server exited with code 0$/);
  assert.equal(readServerState(t.stateDir, "fake")!.restarts, 4);
  fs.rmSync(t.stateDir, { recursive: true });
});

Deno.test("supervise (fake spawn): the server's output is masked on its way out", async () => {
  const t = setup([0], 1, `token=${SECRET}\n`);
  assert.equal(await supervise(t.opts), 0);
  assert.equal(t.stdout.text(), "token=****\n");
  assert.ok(!t.log.join("\n").includes(SECRET));
  fs.rmSync(t.stateDir, { recursive: true });
});

Deno.test("supervise (fake spawn): failBeforeReady ends on a crash before the server was ready", async () => {
  const t = setup([2], 5);
  const code = await supervise({ ...t.opts, failBeforeReady: true });
  assert.equal(code, 1);
  assert.equal(t.runs.length, 1);
  assert.equal(
    readServerState(t.stateDir, "fake")!.reason,
    "the server exited with code 2 before it was ready",
  );
  fs.rmSync(t.stateDir, { recursive: true });
});
