/**
 * Signals through `credkit test` and `credkit server run` (the `run` cases
 * live in tests/supervise/_run_cases.ts): every signal but the termination
 * ones reaches the process groups credkit runs, Ctrl-Z (SIGTSTP) stops them
 * with credkit and SIGCONT resumes both, and nothing is left behind. On the
 * compiled binary, Deno and Bun.
 *
 * @module
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { assertNoProcesses, makeProject, type Project } from "../supervise/_credkit.ts";
import { runtimes } from "../e2e/_runtimes.ts";
import { processState } from "../supervise/_run_cases.ts";
import { FORWARDED_SIGNALS, STOP_SIGNALS, TERMINATION_SIGNALS } from "../../src/process/signals.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts credkit under `argv` in the project; collects its output. */
function start(argv: string[], project: Project, args: string[]) {
  const child = spawn(argv[0], [...argv.slice(1), ...args], {
    cwd: project.dir,
    env: project.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (out.stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  return { child, out, exited, pid: child.pid! };
}

/** Waits until `cond()` holds (at most `ms`). */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await sleep(25);
  }
}

/** Waits until each pid's state satisfies `ok`; returns the states seen last. */
async function states(pids: number[], ok: (s: string | null) => boolean): Promise<string[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const seen = pids.map((p) => processState(p) ?? "gone");
    if (seen.every(ok) || Date.now() > deadline) return seen;
    await sleep(25);
  }
}

/** A shell script that records its pid, traps `trap` into a file, and keeps running. */
function trappingScript(dir: string, trap: string, thenExit: boolean): string[] {
  const onTrap = `echo got > "${dir}/got-${trap}"${thenExit ? "; exit 0" : ""}`;
  return [
    "sh",
    "-c",
    `trap '${onTrap}' ${trap}; echo $$ > "${dir}/pid"; while :; do sleep 300 & wait $!; done`,
    dir,
  ];
}

Deno.test("signals: the forwarded set covers job control and leaves out what cannot be caught", () => {
  for (const s of [...TERMINATION_SIGNALS, ...STOP_SIGNALS, "SIGQUIT", "SIGUSR1", "SIGCONT"]) {
    assert.ok(FORWARDED_SIGNALS.includes(s as NodeJS.Signals), s);
  }
  for (const s of ["SIGKILL", "SIGSTOP", "SIGCHLD", "SIGPIPE", "SIGSEGV"]) {
    assert.ok(!FORWARDED_SIGNALS.includes(s as NodeJS.Signals), s);
  }
});

for (const rt of runtimes()) {
  Deno.test(`credkit test [${rt.name}]: SIGUSR1 reaches the backend; Ctrl-Z stops it with credkit, SIGCONT resumes`, async () => {
    const p = makeProject("testsig");
    p.writeConfig({
      backends: { trap: { command: trappingScript(p.dir, "USR1", true) } },
    });
    const bg = start(rt.argv, p, ["test"]);
    try {
      const pidFile = join(p.dir, "pid");
      await until(
        () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, "utf8").endsWith("\n"),
        "the backend started",
      );
      const backend = Number(fs.readFileSync(pidFile, "utf8"));

      process.kill(bg.pid, "SIGTSTP");
      const stopped = await states([bg.pid, backend], (s) => s === "T");
      assert.deepEqual(stopped, ["T", "T"], "credkit and the backend stopped");
      process.kill(bg.pid, "SIGCONT");
      const resumed = await states([bg.pid, backend], (s) => s !== "T");
      assert.ok(!resumed.includes("T"), `still stopped: ${resumed}`);

      process.kill(bg.pid, "SIGUSR1");
      assert.equal(await bg.exited, 0, bg.out.stderr);
      assert.ok(fs.existsSync(join(p.dir, "got-USR1")), "the backend got SIGUSR1");
      assert.match(bg.out.stdout, /^trap\s+PASS/m);
      await assertNoProcesses(p.dir);
    } finally {
      bg.child.kill("SIGKILL");
      p.cleanup();
    }
  });

  Deno.test(`credkit server run [${rt.name}]: SIGUSR2 reaches the server; Ctrl-Z stops it with credkit; SIGTERM leaves nothing behind`, async () => {
    const p = makeProject("serversig");
    const [command, ...args] = trappingScript(p.dir, "USR2", false);
    p.writeConfig({ servers: { web: { command, args, stopTimeoutMs: 3000 } } });
    const bg = start(rt.argv, p, ["server", "run", "web"]);
    try {
      await until(() => /server web is ready/.test(bg.out.stderr), "the server is ready");
      const server = Number(fs.readFileSync(join(p.dir, "pid"), "utf8"));

      process.kill(bg.pid, "SIGUSR2");
      await until(() => fs.existsSync(join(p.dir, "got-USR2")), "the server got SIGUSR2", 5000);

      process.kill(bg.pid, "SIGTSTP");
      const stopped = await states([bg.pid, server], (s) => s === "T");
      assert.deepEqual(stopped, ["T", "T"], "credkit and the server stopped");
      process.kill(bg.pid, "SIGCONT");
      const resumed = await states([bg.pid, server], (s) => s !== "T");
      assert.ok(!resumed.includes("T"), `still stopped: ${resumed}`);

      process.kill(bg.pid, "SIGTERM");
      assert.equal(await bg.exited, 0, bg.out.stderr);
      await assertNoProcesses(p.dir);
    } finally {
      bg.child.kill("SIGKILL");
      p.cleanup();
    }
  });
}
