import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAllCommands } from "../../src/cli/commands.ts";

// Every command, loaded (the table loads them lazily).
const COMMANDS = await loadAllCommands();
import {
  completionScript,
  parseCompletionsOptions,
  SHELLS,
  subcommandsOf,
} from "../../src/cli/completions.ts";
import { CredkitError } from "../../src/errors.ts";
import { cli } from "./_cli.ts";

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

Deno.test("completions: every command, subcommand and option is in every script", async () => {
  for (const shell of SHELLS) {
    const r = await cli(["completions", shell]);
    assert.equal(r.code, 0, r.err);
    for (const c of COMMANDS) {
      assert.ok(r.out.includes(c.name), `${shell}: ${c.name}`);
      for (const sub of subcommandsOf(c)) {
        assert.ok(r.out.includes(sub), `${shell}: ${c.name} ${sub}`);
      }
      for (const opt of Object.keys(c.options)) {
        assert.ok(
          r.out.includes(shell === "fish" ? `-l ${opt}` : `--${opt}`),
          `${shell}: --${opt}`,
        );
      }
    }
    assert.ok(r.out.includes("completions"));
  }
  assert.deepEqual(subcommandsOf(COMMANDS.find((c) => c.name === "auth")!), [
    "signin",
    "status",
    "logout",
    "token",
  ]);
  assert.deepEqual(subcommandsOf(COMMANDS.find((c) => c.name === "mcp")!), [
    "serve",
    "import",
    "connect",
  ]);
  const bad = await cli(["completions", "powershell"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown shell "powershell"/);
});

Deno.test("completions: the scripts parse, and bash completes commands and subcommands", () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "credkit-compl-"));
  try {
    for (const shell of SHELLS) {
      const file = join(dir, `credkit.${shell}`);
      fs.writeFileSync(file, completionScript(shell, COMMANDS));
      if (!has(shell)) continue;
      const r = spawnSync(shell, ["-n", file], { encoding: "utf8" });
      assert.equal(r.status, 0, `${shell} -n: ${r.stderr}`);
    }
    if (!has("bash")) return;
    const complete = (words: string[]) => {
      const script = `source ${join(dir, "credkit.bash")}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}
_credkit; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync("bash", ["-c", script], { encoding: "utf8" }).stdout.trim().split("\n");
    };
    assert.deepEqual(complete(["credkit", "to"]), ["tool"]);
    assert.deepEqual(complete(["credkit", "--store", "file", "mcp", ""]), [
      "serve",
      "import",
      "connect",
    ]);
    assert.deepEqual(complete(["credkit", "--store", "k"]), ["keychain"]);
    assert.ok(complete(["credkit", "tool", "run", "--"]).includes("--param"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("completions options: a known shell, else a usage error naming the choices", () => {
  const args = (positionals: string[]) => ({ values: {}, positionals, rest: [] });
  assert.deepEqual(parseCompletionsOptions(args(["zsh"])), { shell: "zsh" });
  assert.throws(() => parseCompletionsOptions(args(["tcsh"])), (err) => {
    assert.ok(err instanceof CredkitError && err.exitCode === 2);
    assert.match(String(err), /unknown shell "tcsh"/);
    return true;
  });
  assert.throws(() => parseCompletionsOptions(args([])), /no shell given/);
});
