import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { CredkitError } from "../src/errors.ts";
import { parseConfig } from "../src/config.ts";
import { findProjectConfig } from "../src/config/find.ts";
import { loadLayeredConfig } from "../src/config/layers.ts";

/** The layered loader as commands use it, with no user config and no $HOME above `cwd`. */
function loadProject(cwd: string) {
  const env = { HOME: "/nonexistent-home", CREDKIT_HOME: "/nonexistent-credkit-home" };
  return loadLayeredConfig({ cwd, env, stateDir: "/nonexistent-credkit-home/state" });
}

const DESIGN_EXAMPLE = {
  $schema: "./credkit.schema.json",
  services: {
    myapi: {
      fields: {
        token: { env: ["MYAPI_TOKEN"], secret: true },
        url: { env: ["MYAPI_URL"], default: "https://api.example.com" },
      },
      auth: {
        type: "oauth2",
        tokenEndpoint: "https://auth.example.com/token",
        deviceAuthorizationEndpoint: "https://auth.example.com/device",
        clientId: "credkit-cli",
        scopes: ["read", "write"],
      },
    },
  },
  servers: {
    "ipfs-mcp": {
      command: "python3",
      args: ["-m", "ipfs_kit_py.mcp_server"],
      services: ["huggingface", "aws", "s3", "storacha"],
      ready: { url: "http://127.0.0.1:8000/health", timeoutMs: 15000 },
      restart: { maxRestarts: 5 },
    },
  },
  backends: {
    huggingface: { services: ["huggingface"], command: ["python3", "test_hf.py"] },
    s3: { services: ["aws", "s3"], command: ["python3", "test_s3.py"] },
  },
};

Deno.test("the DESIGN.md example config is valid and merges with the built-ins", () => {
  const cfg = parseConfig(DESIGN_EXAMPLE, "credkit.json");
  assert.equal(cfg.services.myapi.fields.token.secret, true);
  assert.equal(cfg.services.myapi.fields.url.secret, false);
  assert.equal(cfg.services.aws.fields.region.default, "us-east-1");
  assert.equal(cfg.servers["ipfs-mcp"].restart.maxRestarts, 5);
  assert.equal(cfg.servers["ipfs-mcp"].restart.backoffMs, 500);
  assert.deepEqual(Object.keys(cfg.backends), ["huggingface", "s3"]);
});

Deno.test("a bad config is refused naming the file and the field at fault", () => {
  const cases: [unknown, RegExp][] = [
    [
      { services: { myapi: { fields: { token: { env: "MYAPI_TOKEN" } } } } },
      /services\.myapi\.fields\.token\.env: /,
    ],
    [
      { services: { myapi: { fields: { token: { env: ["1BAD"] } } } } },
      /an environment variable name/,
    ],
    [
      { servers: { s: { command: "x", services: ["nope"] } } },
      /servers\.s\.services: unknown service "nope"/,
    ],
    [{ backends: { b: { command: [] } } }, /backends\.b\.command/],
    [{ surprise: 1 }, /surprise/],
  ];
  for (const [data, re] of cases) {
    try {
      parseConfig(data, "/p/credkit.json");
      assert.fail("accepted a bad config");
    } catch (err) {
      assert.ok(err instanceof CredkitError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /^Invalid config \/p\/credkit\.json: /);
      assert.match(err.message, re);
    }
  }
});

Deno.test("credkit.json is found in the working directory or a parent", async () => {
  const dir = fs.mkdtempSync(join(tmpdir(), "credkit-config-"));
  fs.mkdirSync(join(dir, "a", "b"), { recursive: true });
  fs.writeFileSync(join(dir, "credkit.json"), JSON.stringify({ services: {} }));
  assert.equal(
    findProjectConfig(join(dir, "a", "b"), { HOME: "/nonexistent-home" }),
    join(dir, "credkit.json"),
  );
  assert.equal((await loadProject(join(dir, "a"))).path, join(dir, "credkit.json"));
  fs.writeFileSync(join(dir, "a", "credkit.json"), "{ not json");
  await assert.rejects(loadProject(join(dir, "a", "b")), /Invalid config .*credkit\.json/);
  fs.rmSync(dir, { recursive: true });
});

Deno.test("the committed credkit.schema.json matches the zod schema", () => {
  const r = spawnSync(Deno.execPath(), ["run", "-A", "scripts/gen_schema.ts", "--check"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
});

Deno.test("the example credkit.json in the repository is valid", async () => {
  const cfg = await loadProject("examples/ipfs_kit");
  assert.ok(cfg.backends.huggingface);
});

Deno.test("a server or backend naming __proto__ or constructor is an unknown service (exit 2)", () => {
  for (const name of ["__proto__", "constructor", "toString"]) {
    for (
      const data of [
        { servers: { s: { command: "x", services: [name] } } },
        { backends: { b: { command: ["x"], services: [name] } } },
      ]
    ) {
      assert.throws(
        () => parseConfig(data, "credkit.json"),
        (e: unknown) =>
          e instanceof CredkitError && e.exitCode === 2 &&
          (name === "constructor"
            ? /unknown service "constructor"/.test(e.message)
            : /a lower-case service name/.test(e.message)),
      );
    }
  }
});
