/**
 * `credkit mcp import` on a corpus of realistic configurations of the five
 * clients (tests/mcp/import/fixtures), driven through the compiled binary:
 * every stdio server is started as its client would start it (command, args,
 * env, the client's variable expansion, a minimal PATH) before and after the
 * import, and must get the same argv and environment.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { parse } from "jsonc-parser";
import { assertNoSecrets } from "../../_helpers.ts";
import { spawnCapture } from "../../cli/_spawn.ts";
import { fakeChars, fakeToken } from "./_fake.ts";

const FIXTURES = resolve(import.meta.dirname ?? ".", "fixtures");
const BIN = process.env.CREDKIT_BIN ? resolve(process.env.CREDKIT_BIN) : "";

type Client = "claude-desktop" | "claude-code" | "cursor" | "vscode" | "windsurf";

function makeSecrets(): Record<string, string> {
  return {
    GH_WORK: fakeToken("ghp_", 36),
    GH_PERSONAL: fakeToken("ghp_", 36),
    PG_PW: fakeChars(18),
    BRAVE: "BSA" + fakeChars(24),
    SENTRY: fakeToken("sntrys_", 40),
    LINEAR: fakeToken("lin_api_", 40),
    NOTION: fakeToken("ntn_", 40),
    DBTOKEN: fakeChars(32),
    TAVILY: fakeToken("tvly-", 32),
    TAVILY2: fakeToken("tvly-", 32),
    HF: fakeToken("hf_", 34),
    SLACK: fakeToken("xoxb-", 40),
    GITLAB: fakeToken("glpat-", 20),
    OPENAI: fakeToken("sk-proj-", 48),
    AKIA: "AKIA" + fakeChars(16).toUpperCase(),
    AWS_SECRET: fakeChars(40),
    WS_KEY: fakeChars(32),
    STRIPE: fakeToken("rk_" + "test_", 32),
  };
}

/** Where each fixture goes, and the client and workspace it belongs to. */
function layout(home: string, proj: string, api: string) {
  return [
    {
      fixture: "claude_desktop_config.json",
      client: "claude-desktop" as Client,
      path: join(home, ".config", "Claude", "claude_desktop_config.json"),
    },
    {
      fixture: "claude.json",
      client: "claude-code" as Client,
      path: join(home, ".claude.json"),
      workspace: api,
    },
    {
      fixture: "project.mcp.json",
      client: "claude-code" as Client,
      path: join(proj, ".mcp.json"),
      workspace: proj,
    },
    {
      fixture: "cursor.mcp.json",
      client: "cursor" as Client,
      path: join(home, ".cursor", "mcp.json"),
    },
    {
      fixture: "project.cursor.mcp.json",
      client: "cursor" as Client,
      path: join(proj, ".cursor", "mcp.json"),
      workspace: proj,
    },
    {
      fixture: "project.vscode.mcp.json",
      client: "vscode" as Client,
      path: join(proj, ".vscode", "mcp.json"),
      workspace: proj,
    },
    {
      fixture: "vscode.settings.json",
      client: "vscode" as Client,
      path: join(home, ".config", "Code", "User", "settings.json"),
    },
    {
      fixture: "windsurf.mcp_config.json",
      client: "windsurf" as Client,
      path: join(home, ".codeium", "windsurf", "mcp_config.json"),
    },
  ];
}

/** Each client's own variable expansion, applied to one string. */
function expand(
  client: Client,
  value: string,
  env: Record<string, string>,
  ws: { folder: string; home: string; inputs: Record<string, string> },
): string {
  if (client === "claude-code") {
    // As Claude Code does: `${VAR}` / `${VAR:-default}`, up to the first `}`.
    return value.replace(/\$\{([^}]+)\}/g, (_m, inner: string) => {
      const [name, def] = inner.split(":-", 2);
      if (env[name] !== undefined) return env[name];
      if (def !== undefined) return def;
      throw new Error(`claude-code: missing environment variable ${name}`);
    });
  }
  if (client === "claude-desktop") return value;
  return value.replace(/\$\{([^}]+)\}/g, (m, inner: string) => {
    if (inner.startsWith("env:")) return env[inner.slice(4)] ?? "";
    if (inner === "userHome") return ws.home;
    if (inner === "workspaceFolder") return ws.folder;
    if (client === "vscode" && inner.startsWith("input:")) return ws.inputs[inner.slice(6)] ?? m;
    return m;
  });
}

interface Launch {
  file: string;
  server: string;
  client: Client;
  entry: Record<string, unknown>;
  workspace?: string;
}

/** Every server entry of a client file. */
function entriesOf(
  client: Client,
  file: string,
  text: string,
  workspace?: string,
): Launch[] {
  const data = parse(text.replace(/^\uFEFF/, ""), [], { allowTrailingComma: true });
  const sets: [Record<string, Record<string, unknown>>, string | undefined][] = [];
  if (data.mcpServers) sets.push([data.mcpServers, workspace]);
  if (data.servers) sets.push([data.servers, workspace]);
  if (data.mcp?.servers) sets.push([data.mcp.servers, workspace]);
  for (
    const [dir, p] of Object.entries(data.projects ?? {}) as [
      string,
      { mcpServers?: Record<string, Record<string, unknown>> },
    ][]
  ) {
    if (p.mcpServers) sets.push([p.mcpServers, dir]);
  }
  return sets.flatMap(([servers, ws]) =>
    Object.entries(servers).map(([server, entry]) => ({
      file,
      server,
      client,
      entry,
      workspace: ws,
    }))
  );
}

const RECORDER = `
const fs = require("node:fs");
const crypto = require("node:crypto");
const skip = new Set(["RECORD_FILE", "PWD", "SHLVL", "_", "OLDPWD"]);
const env = Object.entries(process.env).filter(([k]) => !skip.has(k)).sort(([a], [b]) => a < b ? -1 : 1);
const hash = crypto.createHash("sha256").update(JSON.stringify(env)).digest("hex");
const byName = Object.fromEntries(env.map(([k, v]) => [k, crypto.createHash("sha256").update(v).digest("hex").slice(0, 16)]));
fs.writeFileSync(process.env.RECORD_FILE, JSON.stringify({ argv: process.argv.slice(2), env: hash, byName }));
`;

Deno.test({
  name:
    "mcp import (compiled binary): five clients' files, same argv and environment after, nothing leaks",
  ignore: !BIN,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const root = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), "credkit-mcpcorpus-")));
    try {
      const home = join(root, "home");
      const proj = join(root, "proj");
      const api = join(root, "api");
      const fakebin = join(root, "bin");
      for (const d of [home, proj, api, fakebin, join(proj, ".git")]) {
        fs.mkdirSync(d, { recursive: true });
      }
      fs.writeFileSync(join(root, "recorder.cjs"), RECORDER);
      for (const tool of ["npx", "uvx", "docker"]) {
        fs.writeFileSync(
          join(fakebin, tool),
          `#!/bin/sh\nexec /usr/bin/node ${join(root, "recorder.cjs")} "${tool}" "$@"\n`,
          { mode: 0o755 },
        );
      }
      fs.symlinkSync(BIN, join(fakebin, "credkit"));
      const secrets = makeSecrets();
      const values = Object.values(secrets);
      const files = layout(home, proj, api);
      for (const f of files) {
        let text = fs.readFileSync(join(FIXTURES, `${f.fixture}.in`), "utf8");
        for (const [k, v] of Object.entries(secrets)) text = text.replaceAll(`@@${k}@@`, v);
        text = text.replaceAll("@@API_DIR@@", api).replaceAll("@@PROJ_DIR@@", proj);
        fs.mkdirSync(dirname(f.path), { recursive: true });
        fs.writeFileSync(f.path, text, { mode: 0o644 });
      }
      const originals = new Map(files.map((f) => [f.path, fs.readFileSync(f.path, "utf8")]));
      // The environment a client starts servers with: a minimal PATH, no DBus, no credkit settings.
      // The client inherited a GitHub token from the user's shell: entries that set their own must
      // still get their own, before and after.
      const clientEnv = {
        HOME: home,
        PATH: `${fakebin}:/usr/bin:/bin`,
        LANG: "C.UTF-8",
        GITHUB_PERSONAL_ACCESS_TOKEN: "inherited-from-the-shell",
      };
      const inputs = { github_token: "typed-at-the-prompt" };

      let n = 0;
      const startAll = async (label: string) => {
        const records = new Map<string, unknown>();
        const stderr: string[] = [];
        for (const f of files) {
          for (
            const l of entriesOf(f.client, f.path, fs.readFileSync(f.path, "utf8"), f.workspace)
          ) {
            const e = l.entry;
            if (typeof e.command !== "string") continue;
            const ws = { folder: l.workspace ?? proj, home, inputs };
            const x = (s: string) => expand(l.client, s, clientEnv, ws);
            if (
              (e.args as string[])[0] === "mcp" && (e.args as string[])[1] === "connect"
            ) continue;
            const record = join(root, `record-${label}-${n++}.json`);
            const env: Record<string, string> = { ...clientEnv, RECORD_FILE: record };
            for (const [k, v] of Object.entries((e.env ?? {}) as Record<string, string>)) {
              env[k] = x(v);
            }
            const r = await spawnCapture(
              [x(e.command), ...((e.args ?? []) as string[]).map(x)],
              { env, cwd: ws.folder },
            );
            assert.equal(r.code, 0, `${label} ${l.server}: exit ${r.code}: ${r.err}`);
            stderr.push(r.err);
            records.set(
              `${f.path}#${l.workspace ?? ""}#${l.server}`,
              JSON.parse(fs.readFileSync(record, "utf8")),
            );
          }
        }
        return { records, stderr: stderr.join("\n") };
      };

      const before = await startAll("before");
      assert.equal(before.records.size, 16);

      const credkit = (args: string[]) =>
        spawnCapture([BIN, ...args], { env: clientEnv, cwd: proj, timeoutMs: 60000 });
      const outputs: string[] = [];

      // Dry run and --json dry run: nothing written, nothing printed in clear.
      const dry = await credkit(["--store", "file", "mcp", "import", "--dry-run"]);
      assert.equal(dry.code, 0, dry.err);
      outputs.push(dry.out, dry.err);
      assert.match(
        dry.err,
        /github: would move env\.GITHUB_PERSONAL_ACCESS_TOKEN to service mcp-claude-desktop-github/,
      );
      assert.match(dry.err, /fetch: untouched/);
      const json = await credkit(["--store", "file", "--json", "mcp", "import", "--dry-run"]);
      assert.equal(json.code, 0, json.err);
      outputs.push(json.out, json.err);
      const report = JSON.parse(json.out);
      assert.equal(report.files.length, 8);
      for (const f of files) assert.equal(fs.readFileSync(f.path, "utf8"), originals.get(f.path));
      assert.equal(fs.existsSync(join(home, ".config", "credkit")), false);

      // The import.
      const imp = await credkit(["--store", "file", "mcp", "import"]);
      assert.equal(imp.code, 0, imp.err);
      outputs.push(imp.out, imp.err);
      const after = await startAll("after");
      outputs.push(after.stderr);
      assert.deepEqual([...after.records.keys()], [...before.records.keys()]);
      for (const [k, v] of before.records) assert.deepEqual(after.records.get(k), v, k);
      // Two clients' `github` keep their own tokens.
      const gh = [...after.records].filter(([k]) => k.endsWith("#github"));
      assert.equal(gh.length, 2);
      const hashOf = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16);
      const ghHashes = gh.map(([, r]) =>
        (r as { byName: Record<string, string> }).byName.GITHUB_PERSONAL_ACCESS_TOKEN
      ).sort();
      assert.deepEqual(ghHashes, [hashOf(secrets.GH_WORK), hashOf(secrets.GH_PERSONAL)].sort());

      // No secret in any client or project file; comments, BOM and CRLF kept.
      const texts = new Map(files.map((f) => [f.path, fs.readFileSync(f.path, "utf8")]));
      for (const [path, text] of texts) {
        try {
          assertNoSecrets(text, values);
        } catch {
          assert.fail(`a secret is left in ${path}`);
        }
      }
      const vs = texts.get(join(proj, ".vscode", "mcp.json"))!;
      assert.ok(vs.startsWith("\uFEFF{\r\n    // VS Code workspace servers\r\n"));
      assert.equal(vs.replace(/\r\n/g, "").includes("\n"), false);
      assert.match(
        texts.get(join(home, ".cursor", "mcp.json"))!,
        /\t\/\/ Cursor: personal servers\n[\s\S]*\/\* remote search \*\//,
      );
      assert.match(texts.get(join(proj, ".cursor", "mcp.json"))!, /^\/\/ Shared with the team/);
      assert.match(
        texts.get(join(home, ".config", "Code", "User", "settings.json"))!,
        /\/\/ Editor\n {2}"editor.tabSize": 2,/,
      );
      // Shared project files: plain `credkit`, no per-user path.
      for (
        const p of [
          join(proj, ".mcp.json"),
          join(proj, ".cursor", "mcp.json"),
          join(proj, ".vscode", "mcp.json"),
        ]
      ) {
        assert.equal(texts.get(p)!.includes(home), false, p);
        assert.equal(texts.get(p)!.includes(BIN), false, p);
      }
      const desktop = JSON.parse(texts.get(files[0].path)!);
      assert.equal(desktop.mcpServers.github.command, BIN);
      assert.equal(desktop.globalShortcut, "Ctrl+Space");
      assert.deepEqual(desktop.mcpServers.github.args.slice(0, 8), [
        "run",
        "--mcp",
        "--only",
        "mcp-claude-desktop-github",
        "--require",
        "mcp-claude-desktop-github",
        "--arg-secrets",
        "--",
      ]);
      assert.deepEqual(desktop.mcpServers.github.env, {
        GITHUB_PERSONAL_ACCESS_TOKEN: "{{credkit:GITHUB_PERSONAL_ACCESS_TOKEN}}",
        TOKENIZERS_PARALLELISM: "false",
      });
      // Remote servers now go through `credkit mcp connect`, ${VAR} as each client will pass it.
      const cursor = parse(texts.get(join(home, ".cursor", "mcp.json"))!, [], {
        allowTrailingComma: true,
      });
      assert.deepEqual(cursor.mcpServers.search, {
        command: BIN,
        args: [
          "mcp",
          "connect",
          "https://mcp.search.example/mcp?tavilyApiKey=${MCP_QUERY_TAVILY_API_KEY}&depth=basic",
          "--service",
          "mcp-cursor-search",
        ],
      });
      const windsurf = JSON.parse(texts.get(files[7].path)!);
      assert.deepEqual(windsurf.mcpServers.context.args.slice(3), [
        "--service",
        "mcp-windsurf-context",
        "--header",
        "X-API-Key: ${MCP_HEADER_X_API_KEY}",
      ]);
      const claude = JSON.parse(texts.get(join(home, ".claude.json"))!);
      const notion = claude.projects[api].mcpServers.notion;
      assert.equal(notion.type, "stdio");
      const notionArgs = (notion.args as string[]).map((a) =>
        expand("claude-code", a, clientEnv, { folder: api, home, inputs })
      );
      assert.ok(
        notionArgs.includes("Authorization: Bearer ${MCP_HEADER_AUTHORIZATION}"),
        notionArgs.join(" "),
      );
      assert.equal(claude.numStartups, 42);
      // Lookalikes and references stay as written, for the client to expand.
      const project = JSON.parse(texts.get(join(proj, ".mcp.json"))!);
      assert.deepEqual(project.mcpServers.db.env, {
        API_BASE: "${API_BASE:-https://api.example.com}",
        ADC: "${HOME}/.config/gcloud/adc.json",
      });
      assert.equal(project.mcpServers.tavily.env.OPENAI_MAX_TOKENS, "4096");
      assert.equal(project.mcpServers.db.command, "credkit");
      assert.match(vs, /"HOME_HINT": "\$\{userHome\}\/\.openai"/);
      // VS Code's input reference is the client's business: untouched.
      assert.match(vs, /"Authorization": "Bearer \$\{input:github_token\}"/);

      // Services live in the user config, values in the file store; no credkit.json anywhere else.
      const userConfig = join(home, ".config", "credkit", "credkit.json");
      const declared = JSON.parse(fs.readFileSync(userConfig, "utf8")).services;
      assert.ok(declared["mcp-claude-desktop-github"] && declared["mcp-cursor-github"]);
      assert.equal(fs.statSync(userConfig).mode & 0o777, 0o600);
      assert.equal(fs.existsSync(join(home, "credkit.json")), false);
      assert.equal(fs.existsSync(join(proj, "credkit.json")), false);
      // Every command sees the imported services (the user config is always loaded).
      const list = await credkit(["list"]);
      assert.equal(list.code, 0, list.err);
      outputs.push(list.out, list.err);
      for (
        const svc of ["mcp-claude-desktop-github", "mcp-cursor-github", "mcp-windsurf-context"]
      ) {
        assert.ok(list.out.includes(svc), `${svc} in credkit list`);
      }
      // Backups: in the state directory, 0600, never in the project.
      const backups = join(home, ".local", "state", "credkit", "backups");
      const saved = fs.readdirSync(backups);
      assert.equal(saved.length, 8);
      for (const b of saved) assert.equal(fs.statSync(join(backups, b)).mode & 0o777, 0o600);
      const inProject = spawnSync("find", [proj, "-name", "*backup*"], { encoding: "utf8" }).stdout;
      assert.equal(inProject, "");

      // A rerun changes nothing, byte for byte.
      const configText = fs.readFileSync(userConfig, "utf8");
      const again = await credkit(["--store", "file", "mcp", "import"]);
      assert.equal(again.code, 0, again.err);
      outputs.push(again.out, again.err);
      for (const f of files) {
        assert.equal(fs.readFileSync(f.path, "utf8"), texts.get(f.path), f.path);
      }
      assert.equal(fs.readFileSync(userConfig, "utf8"), configText);
      assert.equal(fs.readdirSync(backups).length, 8);

      // A missing secret fails loudly (exit 3), it does not start the server without it.
      const store = join(home, ".config", "credkit", "credentials.json");
      const storeText = fs.readFileSync(store, "utf8");
      const rm = await credkit(["--store", "file", "rm", "mcp-cursor-github"]);
      outputs.push(rm.out, rm.err);
      const gone = desktop.mcpServers.github; // the Desktop one still has its value
      const ok = await spawnCapture([gone.command, ...gone.args], {
        env: { ...clientEnv, ...gone.env, RECORD_FILE: join(root, "r.json") },
      });
      assert.equal(ok.code, 0, ok.err);
      const cur = cursor.mcpServers.github;
      const missing = await spawnCapture([cur.command, ...cur.args], {
        env: { ...clientEnv, ...cur.env, RECORD_FILE: join(root, "r2.json") },
      });
      assert.equal(missing.code, 3, missing.err);
      assert.match(missing.err, /GITHUB_PERSONAL_ACCESS_TOKEN/);
      assert.equal(fs.existsSync(join(root, "r2.json")), false);
      fs.writeFileSync(store, storeText, { mode: 0o600 });

      // --restore puts the original back.
      const restore = await credkit([
        "mcp",
        "import",
        "--restore",
        join(proj, ".vscode", "mcp.json"),
      ]);
      assert.equal(restore.code, 0, restore.err);
      outputs.push(restore.out, restore.err);
      assert.equal(
        fs.readFileSync(join(proj, ".vscode", "mcp.json"), "utf8"),
        originals.get(join(proj, ".vscode", "mcp.json")),
      );

      for (const o of outputs) assertNoSecrets(o, values);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
});
