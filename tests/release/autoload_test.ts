/**
 * The release binaries, like dist/credkit, read no `.env*` and no
 * `bunfig.toml` from the working directory (they are compiled by
 * `Bun.build`, not the CLI, so this is checked on them too): linux-x64
 * natively, linux-arm64 under qemu.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { targetName } from "../../src/version.ts";
import { QEMU_LD_PREFIX, qemuMissing, releaseFile, runProcess, tempDir } from "./_release.ts";

const STORED = ["ghp", "releaseAUTOLOAD", String(process.pid), "qrstuvwx"].join("_");

const runners: [string, () => string[], string | undefined][] = [
  [`credkit-${targetName()}`, () => [releaseFile(`credkit-${targetName()}`)], undefined],
  ["credkit-linux-arm64", () => [
    "qemu-aarch64-static",
    releaseFile("credkit-linux-arm64"),
  ], qemuMissing()],
];

for (const [name, argv, missing] of runners) {
  Deno.test(`[${name}] .env, .env.local and a bunfig.toml preload in the working directory change nothing`, async () => {
    assert.equal(missing, undefined, missing);
    const home = tempDir("autoload-home");
    const project = tempDir("autoload-project");
    const marker = join(home, "preload-ran");
    fs.writeFileSync(join(project, ".env"), "GITHUB_TOKEN=x\nCREDKIT_AUTOLOAD_UNRELATED=1\n");
    fs.writeFileSync(join(project, ".env.local"), "GITHUB_TOKEN=y\nCREDKIT_AUTOLOAD_LOCAL=1\n");
    fs.writeFileSync(
      join(project, "preload.js"),
      `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`,
    );
    fs.writeFileSync(join(project, "bunfig.toml"), 'preload = ["./preload.js"]\n');
    const env = {
      CREDKIT_HOME: home,
      CREDKIT_STORE: "file",
      GITHUB_TOKEN: undefined,
      GITHUB_PERSONAL_ACCESS_TOKEN: undefined,
      QEMU_LD_PREFIX,
    };
    const credkit = (args: string[], stdin?: string) =>
      runProcess([...argv(), ...args], env, { cwd: project, stdin });
    try {
      const add = await credkit(["add", "github", "--stdin"], STORED);
      assert.equal(add.code, 0, add.err);
      const seen = join(home, "child-saw");
      const run = await credkit([
        "run",
        "--",
        "sh",
        "-c",
        `printf '%s' "$GITHUB_TOKEN" > '${seen}'; env | grep -c '^CREDKIT_AUTOLOAD' || true`,
      ]);
      assert.equal(run.code, 0, run.err);
      assert.equal(fs.readFileSync(seen, "utf8"), STORED, "the child gets the stored token");
      assert.equal(run.out, "0\n", "no .env variable reaches the child");
      const show = await credkit(["show", "github", "--json"]);
      assert.equal(JSON.parse(show.out).services.github.token.source, "file");
      assert.ok(!fs.existsSync(marker), "the bunfig.toml preload ran inside credkit");
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(project, { recursive: true, force: true });
    }
  });
}
