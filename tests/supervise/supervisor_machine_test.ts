import assert from "node:assert/strict";
import {
  backoffDelay,
  type Decision,
  initialState,
  type MachineEvent,
  type MachinePolicy,
  type MachineState,
  transition,
} from "../../src/supervise/supervisor_machine.ts";

const policy = (over: Partial<MachinePolicy> = {}): MachinePolicy => ({
  name: "mcp",
  command: "python3",
  restart: { maxRestarts: 3, backoffMs: 500, maxBackoffMs: 30_000 },
  quickCrashMs: 10_000,
  failBeforeReady: false,
  ...over,
});

/** Feeds events in order, with a fake clock the events carry; returns every decision. */
function run(
  events: MachineEvent[],
  p: MachinePolicy = policy(),
  from: MachineState = initialState(),
): { state: MachineState; decisions: Decision[] } {
  let state = from;
  const decisions: Decision[] = [];
  for (const e of events) {
    const d = transition(state, e, p);
    decisions.push(d);
    state = d.state;
  }
  return { state, decisions };
}

const crash = (at: number): MachineEvent => ({ type: "exited", code: 1, signal: null, at });

Deno.test("starting -> ready: logged once, with the pid", () => {
  const { state, decisions } = run([
    { type: "spawned", at: 0 },
    { type: "ready", pid: 42 },
    { type: "ready", pid: 42 },
  ]);
  assert.equal(state.phase, "ready");
  assert.equal(state.everReady, true);
  assert.deepEqual(decisions[1].log, ["credkit: server mcp is ready (pid 42)"]);
  assert.deepEqual(decisions[2].log, []);
});

Deno.test("a quick crash goes to backoff with the policy's delay, then starts again", () => {
  const { state, decisions } = run([{ type: "spawned", at: 1000 }, crash(1500)]);
  assert.equal(state.phase, "backoff");
  assert.equal(state.quickCrashes, 1);
  assert.equal(state.reason, "exited with code 1; restarting");
  assert.equal(decisions[1].waitMs, 500);
  assert.equal(decisions[1].exitCode, undefined);
  assert.match(
    decisions[1].log[0],
    /exited with code 1 after 0\.5 s; restarting in 500 ms \(restart 1 of 3\)/,
  );
  const next = transition(state, { type: "backoff_elapsed" }, policy());
  assert.equal(next.start, true);
  assert.equal(next.state.restarts, 1);
  assert.equal(next.state.phase, "restarting");
});

Deno.test("backoff doubles with each consecutive quick crash, capped", () => {
  const p = policy({ restart: { maxRestarts: 10, backoffMs: 500, maxBackoffMs: 3000 } });
  const delays: number[] = [];
  let state = initialState();
  let now = 0;
  for (let i = 0; i < 5; i++) {
    state = transition(state, { type: "spawned", at: now }, p).state;
    now += 100;
    const d = transition(state, crash(now), p);
    delays.push(d.waitMs!);
    state = transition(d.state, { type: "backoff_elapsed" }, p).state;
    now += d.waitMs!;
  }
  assert.deepEqual(delays, [500, 1000, 2000, 3000, 3000]);
  assert.equal(backoffDelay(3, p.restart), 2000);
});

Deno.test("a crash after a long run resets the quick-crash count", () => {
  const { state } = run([
    { type: "spawned", at: 0 },
    crash(100),
    { type: "backoff_elapsed" },
    { type: "spawned", at: 600 },
    crash(600 + 60_000),
  ]);
  assert.equal(state.quickCrashes, 1);
  assert.equal(state.restarts, 1);
});

Deno.test("gives up after maxRestarts quick crashes: failed, exit 1, reason names the policy", () => {
  const p = policy({ restart: { maxRestarts: 2, backoffMs: 10, maxBackoffMs: 10 } });
  const events: MachineEvent[] = [];
  for (let i = 0; i < 3; i++) {
    events.push({ type: "spawned", at: i * 1000 }, crash(i * 1000 + 50));
    if (i < 2) events.push({ type: "backoff_elapsed" });
  }
  const { state, decisions } = run(events, p);
  const last = decisions[decisions.length - 1];
  assert.equal(state.phase, "failed");
  assert.equal(last.exitCode, 1);
  assert.match(state.reason!, /^gave up after 2 restarts: the server crashed 3 times in a row/);
  assert.match(last.log[0], /^credkit: server mcp failed: gave up after 2 restarts/);
});

Deno.test("maxRestarts 0: the first crash fails", () => {
  const p = policy({ restart: { maxRestarts: 0, backoffMs: 10, maxBackoffMs: 10 } });
  const { state } = run([
    { type: "spawned", at: 0 },
    { type: "exited", code: 137, signal: "SIGKILL", at: 5 },
  ], p);
  assert.equal(state.phase, "failed");
  assert.equal(
    state.reason,
    "the server was killed by SIGKILL and the restart policy allows no restarts",
  );
});

Deno.test("exit code 0 stops the supervisor with exit 0", () => {
  const { state, decisions } = run([
    { type: "spawned", at: 0 },
    { type: "exited", code: 0, signal: null, at: 5 },
  ]);
  assert.equal(state.phase, "stopped");
  assert.equal(decisions[1].exitCode, 0);
  assert.equal(state.reason, "the server exited with code 0");
});

Deno.test("a credential change stops the server and starts it again, resetting quick crashes", () => {
  const { state, decisions } = run([
    { type: "spawned", at: 0 },
    crash(10),
    { type: "backoff_elapsed" },
    { type: "spawned", at: 600 },
    { type: "ready", pid: 7 },
    { type: "credentials_changed", names: ["github.token"] },
  ]);
  const d = decisions[decisions.length - 1];
  assert.equal(d.stopServer, true);
  assert.equal(d.start, true);
  assert.equal(state.phase, "restarting");
  assert.equal(state.quickCrashes, 0);
  assert.equal(state.restarts, 2);
  assert.deepEqual(d.log, ["credkit: server mcp: github.token changed; restarting"]);
});

Deno.test("a stop request stops the running server: stopped, exit 0", () => {
  const { state, decisions } = run([{ type: "spawned", at: 0 }, { type: "stop_requested" }]);
  assert.equal(decisions[1].stopServer, true);
  assert.equal(decisions[1].exitCode, 0);
  assert.equal(state.phase, "stopped");
  assert.equal(state.reason, "stopped on request");
});

Deno.test("a stop request during backoff: nothing to stop, exit 0", () => {
  const { decisions } = run([{ type: "spawned", at: 0 }, crash(1), { type: "stop_requested" }]);
  assert.equal(decisions[2].stopServer, false);
  assert.equal(decisions[2].exitCode, 0);
});

Deno.test("failBeforeReady: a crash or a readiness timeout before ready fails; after ready it restarts", () => {
  const p = policy({ failBeforeReady: true });
  const early = run([{ type: "spawned", at: 0 }, crash(1)], p);
  assert.equal(early.state.phase, "failed");
  assert.equal(early.state.reason, "the server exited with code 1 before it was ready");

  const slow = run([{ type: "spawned", at: 0 }, { type: "not_ready", timeoutMs: 15_000 }], p);
  assert.equal(slow.state.phase, "failed");
  assert.equal(slow.decisions[1].stopServer, true);
  assert.equal(slow.state.reason, "not ready after 15 s");

  const later = run([{ type: "spawned", at: 0 }, { type: "ready", pid: 1 }, crash(20_000)], p);
  assert.equal(later.state.phase, "backoff");
});

Deno.test("without failBeforeReady a readiness timeout changes nothing", () => {
  const { state, decisions } = run([
    { type: "spawned", at: 0 },
    { type: "not_ready", timeoutMs: 100 },
  ]);
  assert.equal(state.phase, "starting");
  assert.equal(decisions[1].exitCode, undefined);
  assert.equal(decisions[1].stopServer, false);
});

Deno.test("a command that cannot start fails with its code (127 / 126)", () => {
  const { state, decisions } = run([{ type: "spawn_failed", code: 127 }]);
  assert.equal(state.phase, "failed");
  assert.equal(decisions[0].exitCode, 127);
  assert.equal(state.reason, "cannot start python3");
});

Deno.test("transition never mutates the state it is given", () => {
  const s = initialState();
  const copy = structuredClone(s);
  transition(s, { type: "spawned", at: 5 }, policy());
  transition(s, crash(6), policy());
  assert.deepEqual(s, copy);
});
