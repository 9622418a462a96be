import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  isSecretVariable,
  isWrapped,
  planImport,
  serviceNameFor,
} from "../../src/cli/mcp_import.ts";
import { BUILTIN_SERVICES } from "../../src/catalog.ts";
import { loadConfig } from "../../src/config.ts";
import { assertNoSecrets, makeTestContext } from "../_helpers.ts";
import { baseEnv, credkitArgv, ROOT, spawnCapture } from "./_spawn.ts";
import { cliWith } from "./_cli.ts";

const GH = "ghp_desktop0123456789abcdefghijkl";
const BRAVE = "BSAbrave0123456789abcdef";
const DBPW = "pw-0123456789-secret";
const DBTOKEN = "dbt_0123456789abcdef";
const SECRETS = [GH, BRAVE, DBPW, DBTOKEN];
/** A secret passed on the command line: left in place (with a warning), masked when shown. */
const ARG_SECRET = "sk-argsecret0123456789";

function desktopConfig() {
  return {
    globalShortcut: "Ctrl+Space",
    mcpServers: {
      github: {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-github"],
        env: { GITHUB_PERSONAL_ACCESS_TOKEN: GH, GITHUB_API_URL: "https://api.github.com" },
      },
      "Brave Search": {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-brave-search"],
        env: { BRAVE_API_KEY: BRAVE },
      },
      filesystem: {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp", "--api-key", ARG_SECRET],
      },
      supa: {
        command: "node",
        args: ["server.js"],
        env: {
          SUPABASE_URL: "https://x.supabase.co",
          SUPABASE_ANON_KEY: "anon-public-key",
          DB_PASSWORD: DBPW,
          PATH_PREFIX: "/x",
          REF: "${input:ref}",
        },
      },
    },
  };
}

function projectConfig(printer: string[]) {
  return {
    mcpServers: {
      db: {
        type: "stdio",
        command: printer[0],
        args: printer.slice(1),
        env: { DATABASE_TOKEN: DBTOKEN, LOG_LEVEL: "debug", QUOTED: "a 'b' \"c\" $d `e`" },
      },
      remote: {
        type: "http",
        url: "https://mcp.example.com/mcp",
        headers: { Authorization: "Bearer x" },
      },
    },
  };
}

Deno.test("secret classification and naming", () => {
  assert.equal(isSecretVariable("GITHUB_PERSONAL_ACCESS_TOKEN", "x", BUILTIN_SERVICES), true);
  assert.equal(isSecretVariable("BRAVE_API_KEY", "x", BUILTIN_SERVICES), true);
  assert.equal(isSecretVariable("MY_PAT", "x", BUILTIN_SERVICES), true);
  assert.equal(isSecretVariable("PATH", "/usr/bin", BUILTIN_SERVICES), false);
  assert.equal(isSecretVariable("SUPABASE_ANON_KEY", "x", BUILTIN_SERVICES), false);
  assert.equal(isSecretVariable("AWS_REGION", "x", BUILTIN_SERVICES), false);
  assert.equal(isSecretVariable("API_TOKEN", "", BUILTIN_SERVICES), false);
  assert.equal(isSecretVariable("API_TOKEN", "${input:token}", BUILTIN_SERVICES), false);
  assert.equal(serviceNameFor("Brave Search"), "mcp-brave-search");
  assert.equal(serviceNameFor("@@@"), "mcp-server");
  assert.equal(isWrapped({ command: "/opt/bin/credkit", args: ["run", "--mcp", "--", "x"] }), true);
  assert.equal(isWrapped({ command: "npx", args: ["run", "--", "x"] }), false);
});

Deno.test("planImport: what moves, what stays, how entries are rewritten", () => {
  const plan = planImport(desktopConfig(), BUILTIN_SERVICES, {
    bin: "/usr/local/bin/credkit",
    credkitConfig: "/cfg/credkit.json",
    store: "file",
    filePath: "/h/credentials.json",
  });
  const by = Object.fromEntries(plan.servers.map((s) => [s.name, s]));
  assert.deepEqual(by.github.moved, ["GITHUB_PERSONAL_ACCESS_TOKEN"]);
  assert.deepEqual(by.github.kept, ["GITHUB_API_URL"]);
  assert.equal(by["Brave Search"].service, "mcp-brave-search");
  assert.equal(by.filesystem.status, "no-secrets");
  assert.deepEqual(by.supa.moved, ["DB_PASSWORD"]);
  assert.deepEqual(by.supa.kept, ["SUPABASE_URL", "SUPABASE_ANON_KEY", "PATH_PREFIX", "REF"]);
  const servers = plan.config.mcpServers as Record<
    string,
    { command: string; args: string[]; env: Record<string, string> }
  >;
  assert.deepEqual(servers.github.args, [
    "run",
    "--mcp",
    "--only",
    "mcp-github",
    "--config",
    "/cfg/credkit.json",
    "--store",
    "file",
    "--file",
    "/h/credentials.json",
    "--",
    "npx",
    "-y",
    "@modelcontextprotocol/server-github",
  ]);
  assert.equal(servers.github.command, "/usr/local/bin/credkit");
  assert.deepEqual(servers.github.env, { GITHUB_API_URL: "https://api.github.com" });
  assert.deepEqual(servers.filesystem, desktopConfig().mcpServers.filesystem);
  assert.equal(plan.config.globalShortcut, "Ctrl+Space");
  assertNoSecrets(JSON.stringify(plan.config), SECRETS);
  // Applying the plan again changes nothing.
  const again = planImport(plan.config, BUILTIN_SERVICES, {
    bin: "/usr/local/bin/credkit",
    credkitConfig: "/cfg/credkit.json",
    store: "file",
    filePath: "/h/credentials.json",
  });
  assert.equal(again.changed, false);
  assert.deepEqual(again.config, plan.config);
});

Deno.test("mcp import of a Claude Desktop config (memory stores)", async () => {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-mcpimport-"));
  try {
    const file = join(root, "Claude", "claude_desktop_config.json");
    fs.mkdirSync(join(root, "Claude"));
    const original = JSON.stringify(desktopConfig(), null, 2);
    fs.writeFileSync(file, original, { mode: 0o644 });
    const credkitJson = join(root, "credkit.json");
    const t = makeTestContext({ cwd: root, env: { CREDKIT_HOME: join(root, "home") } });

    // Dry run: prints the new config, secrets masked, writes nothing.
    const dry = await cliWith(t, [
      "--config",
      credkitJson,
      "mcp",
      "import",
      file,
      "--dry-run",
      "--bin",
      "credkit",
    ]);
    assert.equal(dry.code, 0, dry.err);
    assert.equal(JSON.parse(dry.out).mcpServers.github.command, "credkit");
    assertNoSecrets(dry.out + dry.err, [...SECRETS, ARG_SECRET]);
    assert.match(
      dry.err,
      /filesystem: no secrets in env; unchanged\n {2}warning: argument 4 \(api-key\) may pass a secret/,
    );
    assert.equal(fs.readFileSync(file, "utf8"), original);
    assert.equal(fs.existsSync(credkitJson), false);
    assert.equal(fs.existsSync(file + ".credkit-backup"), false);
    assert.deepEqual(await t.backends.get("keychain:credentials")!.list(), []);

    const r = await cliWith(t, [
      "--config",
      credkitJson,
      "mcp",
      "import",
      file,
      "--bin",
      "credkit",
      "--json",
    ]);
    assert.equal(r.code, 0, r.err);
    assertNoSecrets(r.out + r.err, SECRETS);
    const report = JSON.parse(r.out);
    assert.equal(report.changed, true);
    assert.equal(report.store, "keychain");

    // Secrets are in the store under the per-server services.
    const kc = t.backends.get("keychain:credentials")!;
    assert.deepEqual(await kc.get("mcp-github"), { github_personal_access_token: GH });
    assert.deepEqual(await kc.get("mcp-brave-search"), { brave_api_key: BRAVE });
    assert.deepEqual(await kc.get("mcp-supa"), { db_password: DBPW });

    // credkit.json declares them; it loads.
    const cfg = loadConfig({ cwd: root, explicitPath: credkitJson });
    assert.deepEqual(cfg.services["mcp-github"].fields, {
      github_personal_access_token: { env: ["GITHUB_PERSONAL_ACCESS_TOKEN"], secret: true },
    });

    // The config is rewritten; no secret remains; other keys kept.
    const text = fs.readFileSync(file, "utf8");
    assertNoSecrets(text, SECRETS);
    const rewritten = JSON.parse(text);
    assert.equal(rewritten.globalShortcut, "Ctrl+Space");
    assert.equal(rewritten.mcpServers.github.command, "credkit");
    assert.deepEqual(rewritten.mcpServers.supa.env.REF, "${input:ref}");
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);

    // Backup: the original bytes, 0600.
    const backup = file + ".credkit-backup";
    assert.equal(fs.readFileSync(backup, "utf8"), original);
    assert.equal(fs.statSync(backup).mode & 0o777, 0o600);

    // Rerun: a no-op.
    const cfgText = fs.readFileSync(credkitJson, "utf8");
    const rerun = await cliWith(t, [
      "--config",
      credkitJson,
      "mcp",
      "import",
      file,
      "--bin",
      "credkit",
    ]);
    assert.equal(rerun.code, 0, rerun.err);
    assert.match(rerun.err, /already starts through credkit/);
    assert.equal(fs.readFileSync(file, "utf8"), text);
    assert.equal(fs.readFileSync(credkitJson, "utf8"), cfgText);
    assert.equal(fs.existsSync(backup + ".1"), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test("mcp import refuses a file that is not an MCP config, without quoting it", async () => {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-mcpimport-"));
  try {
    const file = join(root, ".mcp.json");
    fs.writeFileSync(file, `{"mcpServers": {"x": {"env": {"TOKEN": "${GH}"}}`);
    const t = makeTestContext({ cwd: root });
    const r = await cliWith(t, ["mcp", "import"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /not valid JSON/);
    assertNoSecrets(r.err, [GH]);
    fs.writeFileSync(file, `{"other": 1}`);
    assert.match((await cliWith(t, ["mcp", "import", file])).err, /no "mcpServers"/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

Deno.test({
  name: "mcp import (real CLI, file store): rewritten servers get the same environment",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const root = fs.mkdtempSync(join(tmpdir(), "credkit-mcpenv-"));
    try {
      const home = join(root, "home");
      const binDir = join(root, "bin");
      fs.mkdirSync(binDir);
      const argv = credkitArgv();
      let bin: string;
      if (argv.length === 1) {
        bin = argv[0];
      } else {
        bin = join(binDir, "credkit");
        const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
        // sh exports PWD; a real credkit binary does not add it.
        fs.writeFileSync(bin, `#!/bin/sh\nexec env -u PWD ${quoted} "$@"\n`, { mode: 0o755 });
      }
      const outFile = join(root, "env.json");
      const printer = [
        join(ROOT, "node_modules", ".bin", "deno"),
        "run",
        "-A",
        join(ROOT, "tests", "cli", "fixtures", "print_env.ts"),
        outFile,
      ];
      type Entry = { command: string; args: string[]; env: Record<string, string> };
      // What a server sees: the client's environment plus its env block.
      const clientEnv = baseEnv({ CLIENT_ONLY: "from-the-client" });
      const startEntry = async (entry: Entry, cwd: string) => {
        fs.rmSync(outFile, { force: true });
        const r = await spawnCapture([entry.command, ...entry.args], {
          env: { ...clientEnv, ...entry.env },
          cwd,
        });
        assert.equal(r.code, 0, r.err);
        return JSON.parse(fs.readFileSync(outFile, "utf8"));
      };
      const importArgs = (file?: string) => [
        ...argv,
        "--store",
        "file",
        "mcp",
        "import",
        ...(file ? [file] : []),
        "--bin",
        bin,
      ];
      const cases = [
        {
          name: "Claude Code .mcp.json (credkit.json created beside it)",
          dir: join(root, "project"),
          file: ".mcp.json",
          explicit: false,
          config: projectConfig(printer),
          server: "db",
          credkitJson: join(root, "project", "credkit.json"),
          stored: { "mcp-db": { database_token: DBTOKEN } } as Record<
            string,
            Record<string, string>
          >,
        },
        {
          name: "Claude Desktop (credkit.json in credkit's config directory)",
          dir: join(root, "Claude"),
          file: "claude_desktop_config.json",
          explicit: true,
          config: {
            mcpServers: {
              github: {
                command: printer[0],
                args: printer.slice(1),
                env: { GITHUB_PERSONAL_ACCESS_TOKEN: GH, GITHUB_API_URL: "https://api.github.com" },
              },
            },
          },
          server: "github",
          credkitJson: join(home, "credkit.json"),
          stored: { "mcp-github": { github_personal_access_token: GH } } as Record<
            string,
            Record<string, string>
          >,
        },
      ];
      for (const c of cases) {
        await t.step(c.name, async () => {
          fs.mkdirSync(c.dir, { recursive: true });
          const file = join(c.dir, c.file);
          fs.writeFileSync(file, JSON.stringify(c.config, null, 2));
          const original = (c.config.mcpServers as Record<string, Entry>)[c.server];
          const before = await startEntry(original, c.dir);

          const imp = await spawnCapture(importArgs(c.explicit ? file : undefined), {
            env: baseEnv({ CREDKIT_HOME: home }),
            cwd: c.dir,
          });
          assert.equal(imp.code, 0, imp.err);
          assertNoSecrets(imp.out + imp.err, SECRETS);
          assert.match(
            imp.err,
            new RegExp(`${c.server}: moved .* to service mcp-${c.server} \\(file\\)`),
          );

          const rewritten = JSON.parse(fs.readFileSync(file, "utf8"));
          assertNoSecrets(JSON.stringify(rewritten), SECRETS);
          const entry = rewritten.mcpServers[c.server];
          assert.equal(entry.command, bin);
          assert.ok(fs.existsSync(c.credkitJson), `${c.credkitJson} written`);
          assert.equal(fs.statSync(file + ".credkit-backup").mode & 0o777, 0o600);
          const stored = JSON.parse(fs.readFileSync(join(home, "credentials.json"), "utf8"));
          for (const [svc, fields] of Object.entries(c.stored)) {
            assert.deepEqual(stored.credentials[svc], fields);
          }

          // Started through credkit (from another directory), the server sees the same environment.
          const after = await startEntry(entry, root);
          assert.deepEqual(after, before);

          // Rerun: nothing changes.
          const text = fs.readFileSync(file, "utf8");
          const again = await spawnCapture(importArgs(c.explicit ? file : undefined), {
            env: baseEnv({ CREDKIT_HOME: home }),
            cwd: c.dir,
          });
          assert.equal(again.code, 0, again.err);
          assert.equal(fs.readFileSync(file, "utf8"), text);
          assert.equal(fs.existsSync(file + ".credkit-backup.1"), false);
        });
      }
      const project = JSON.parse(fs.readFileSync(join(root, "project", ".mcp.json"), "utf8"));
      assert.equal(project.mcpServers.db.type, "stdio");
      assert.deepEqual(project.mcpServers.db.env, {
        LOG_LEVEL: "debug",
        QUOTED: "a 'b' \"c\" $d `e`",
      });
      assert.deepEqual(project.mcpServers.remote, projectConfig(printer).mcpServers.remote);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
});
