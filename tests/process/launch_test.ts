/**
 * Tests of the one process-group launcher: typed start failures (127 naming
 * the PATH searched, 126), a new session per child, `stop(graceMs)` escalating
 * to SIGKILL, and nothing of the group left once the child has exited.
 *
 * @module
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { launch, type Launched, type LaunchOptions } from "../../src/process/launch.ts";
import { DEFAULT_PATH } from "../../src/process/resolve_command.ts";

const ENV = { PATH: Deno.env.get("PATH") ?? DEFAULT_PATH };

/** Whether `pid` is running (zombies count as gone). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !["Z", "X"].includes(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]);
  } catch {
    return false;
  }
}

/** Waits (at most 3 s) for `pid` to be gone; returns whether it is. */
async function gone(pid: number): Promise<boolean> {
  const until = Date.now() + 3000;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

async function started(p: Promise<unknown>): Promise<Launched> {
  const r = await p as Launched | { ok: false; why: string };
  if (!r.ok) throw new Error(`did not start: ${r.why}`);
  return r;
}

/** Reads the child's stdout until `n` lines arrived. */
async function lines(child: Launched, n: number): Promise<string[]> {
  let text = "";
  for await (const chunk of child.stdout!) {
    text += new TextDecoder().decode(chunk as Uint8Array);
    if (text.split("\n").length > n) break;
  }
  return text.split("\n").slice(0, n);
}

Deno.test("launch: a missing command is 127 naming the PATH searched", async () => {
  const r = await launch({
    command: "credkit-no-such-command-l4",
    args: [],
    env: { PATH: "/nonexistent-a:/nonexistent-b" },
    cwd: "/",
    stdio: ["ignore", "ignore", "ignore"],
  });
  assert.deepEqual(r, {
    ok: false,
    code: 127,
    why: "command not found in PATH=/nonexistent-a:/nonexistent-b",
  });
});

Deno.test("launch: a directory, a file without x, a missing working directory are 126", async () => {
  const tmp = Deno.makeTempDirSync();
  try {
    const file = join(tmp, "plain.sh");
    fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const base: Omit<LaunchOptions, "command"> = {
      args: [],
      env: ENV,
      cwd: tmp,
      stdio: ["ignore", "ignore", "ignore"],
    };
    const dir = await launch({ ...base, command: tmp });
    assert.deepEqual(dir, { ok: false, code: 126, why: "is a directory" });
    const plain = await launch({ ...base, command: file });
    assert.deepEqual(plain, { ok: false, code: 126, why: "permission denied" });
    const missing = join(tmp, "missing");
    const noCwd = await launch({ ...base, command: "true", cwd: missing });
    assert.deepEqual(noCwd, {
      ok: false,
      code: 126,
      why: `working directory ${missing} does not exist`,
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

Deno.test("launch: the child leads its own session; exited kills what it left in its group", async () => {
  const child = await started(launch({
    command: "sh",
    args: ["-c", 'sleep 300 & echo $!; echo "$(cut -d" " -f6 /proc/$$/stat)"; exit 5'],
    env: ENV,
    cwd: "/",
    stdio: ["ignore", "pipe", "ignore"],
  }));
  const [grandchild, session] = await lines(child, 2);
  assert.equal(Number(session), child.pid, "the child is a session leader");
  assert.deepEqual(await child.exited, { code: 5, signal: null });
  assert.ok(await gone(Number(grandchild)), "the grandchild was killed with the group");
});

Deno.test("launch: stop(graceMs) sends SIGTERM, then SIGKILL to a group that ignores it", async () => {
  const child = await started(launch({
    command: "sh",
    args: ["-c", 'trap "" TERM; sleep 300 & echo $!; wait'],
    env: ENV,
    cwd: "/",
    stdio: ["ignore", "pipe", "ignore"],
  }));
  const [grandchild] = await lines(child, 1);
  const exit = await child.stop(200);
  assert.deepEqual(exit, { code: 137, signal: "SIGKILL" });
  assert.ok(await gone(Number(grandchild)), "the grandchild was killed with the group");
});

Deno.test("launch: stop(graceMs) on a child that handles SIGTERM returns its own code", async () => {
  const child = await started(launch({
    command: "sh",
    args: ["-c", 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done'],
    env: ENV,
    cwd: "/",
    stdio: ["ignore", "pipe", "ignore"],
  }));
  await lines(child, 1);
  assert.deepEqual(await child.stop(5000), { code: 7, signal: null });
});
