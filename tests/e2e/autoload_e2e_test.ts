/**
 * A hostile working directory changes nothing: credkit (the binary, Deno and
 * Bun) never reads a `.env*` file or a `bunfig.toml` from where it runs.
 * Bun autoloads both by default, so without the build and launch options a
 * project's `.env` would override the stored token, leak unrelated variables
 * into the child, and a `bunfig.toml` `preload` would run code inside credkit.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { credkit, runtimes, tempHome } from "./_runtimes.ts";

/** Obviously fake, built at run time. */
const STORED = ["ghp", "STOREDe2e", "autoload", "0000000000"].join("_");
const FROM_ENV_FILE = "x";

/** A project directory with every file Bun would pick up on its own. */
function hostileProject(marker: string): string {
  const dir = tempHome();
  fs.writeFileSync(
    join(dir, ".env"),
    `GITHUB_TOKEN=${FROM_ENV_FILE}\nCREDKIT_AUTOLOAD_UNRELATED=from-dotenv\n`,
  );
  fs.writeFileSync(
    join(dir, ".env.local"),
    "GITHUB_TOKEN=from-env-local\nCREDKIT_AUTOLOAD_LOCAL=from-dotenv-local\n",
  );
  for (const mode of ["development", "production", "test"]) {
    fs.writeFileSync(join(dir, `.env.${mode}`), `CREDKIT_AUTOLOAD_${mode.toUpperCase()}=1\n`);
  }
  fs.writeFileSync(
    join(dir, "preload.js"),
    `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "preload ran");\n`,
  );
  fs.writeFileSync(
    join(dir, "bunfig.toml"),
    `preload = ["./preload.js"]\n\n[run]\npreload = ["./preload.js"]\n`,
  );
  return dir;
}

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] .env, .env.local and bunfig.toml in the working directory change nothing`, async () => {
    const home = tempHome();
    const marker = join(home, "preload-marker");
    const project = hostileProject(marker);
    const env: Record<string, string | undefined> = {
      CREDKIT_HOME: home,
      CREDKIT_STORE: "file",
      GITHUB_TOKEN: undefined,
      GITHUB_PERSONAL_ACCESS_TOKEN: undefined,
      NODE_ENV: undefined,
    };
    const options = { env, cwd: project };
    try {
      const add = await credkit(rt, ["add", "github", "--stdin"], { ...options, stdin: STORED });
      assert.equal(add.code, 0, add.err);

      const seen = join(home, "child-saw");
      const run = await credkit(rt, [
        "run",
        "--",
        "sh",
        "-c",
        `printf '%s' "$GITHUB_TOKEN" > '${seen}'; ` +
        `echo "token=$GITHUB_TOKEN"; ` +
        `env | grep '^CREDKIT_AUTOLOAD' || echo "no dotenv variables"`,
      ], options);
      assert.equal(run.code, 0, run.err);
      assert.equal(fs.readFileSync(seen, "utf8"), STORED, "the child gets the stored token");
      assert.equal(run.out, "token=****\nno dotenv variables\n");

      const show = await credkit(rt, ["show", "github", "--json"], options);
      assert.equal(show.code, 0, show.err);
      assert.equal(JSON.parse(show.out).services.github.token.source, "file");

      const get = await credkit(rt, ["get", "github.token"], options);
      assert.equal(get.out, STORED + "\n");

      assert.ok(!fs.existsSync(marker), "the bunfig.toml preload ran inside credkit");
      for (const r of [add, run, show]) {
        assert.ok(!(r.out + r.err).includes(STORED), "secret leaked into output");
      }
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
}

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] server start re-runs credkit without reading the working directory's .env or bunfig.toml`, async () => {
    const home = tempHome();
    const marker = join(home, "preload-marker");
    const project = hostileProject(marker);
    const seen = join(home, "server-saw");
    fs.writeFileSync(
      join(project, "credkit.json"),
      JSON.stringify({
        servers: {
          probe: {
            command: "sh",
            args: [
              "-c",
              `{ printf '%s\\n' "$GITHUB_TOKEN"; env | grep '^CREDKIT_AUTOLOAD'; } > '${seen}.tmp'; ` +
              `mv '${seen}.tmp' '${seen}'; echo probe-ready; exec sleep 60`,
            ],
            services: ["github"],
            ready: { logLine: "probe-ready", timeoutMs: 20000 },
            stopTimeoutMs: 2000,
          },
        },
      }),
    );
    const env: Record<string, string | undefined> = {
      CREDKIT_HOME: home,
      CREDKIT_STORE: "file",
      GITHUB_TOKEN: undefined,
      GITHUB_PERSONAL_ACCESS_TOKEN: undefined,
      NODE_ENV: undefined,
    };
    const options = { env, cwd: project };
    try {
      const add = await credkit(rt, ["add", "github", "--stdin"], { ...options, stdin: STORED });
      assert.equal(add.code, 0, add.err);
      const start = await credkit(rt, ["server", "start", "probe"], options);
      assert.equal(start.code, 0, start.err + start.out);
      assert.equal(
        fs.readFileSync(seen, "utf8"),
        STORED + "\n",
        "the server gets the stored token and no .env variable",
      );
      assert.ok(!fs.existsSync(marker), "the bunfig.toml preload ran inside credkit");
    } finally {
      await credkit(rt, ["server", "stop", "probe"], options);
      fs.rmSync(project, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
}
