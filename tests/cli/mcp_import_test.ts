/**
 * `credkit mcp import` through the CLI in-process (memory stores): dry run,
 * --json, conflicts and --force, refusals. The end-to-end corpus test is
 * tests/mcp/import/e2e_test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertNoSecrets, makeTestContext } from "../_helpers.ts";
import { fakeChars, fakeToken } from "../mcp/import/_fake.ts";
import { cliWith } from "./_cli.ts";

function setup() {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-mcpimport-"));
  const home = join(root, "home");
  const file = join(home, ".cursor", "mcp.json");
  fs.mkdirSync(join(home, ".cursor"), { recursive: true });
  const gh = fakeToken("ghp_", 36);
  const slack = fakeToken("xoxb-", 40);
  const header = fakeChars(32);
  const odd = fakeToken("glpat-", 20);
  const text = `{
  // personal
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-github"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${gh}", "TOKENIZERS_PARALLELISM": "false", "DEBUG": true }
    },
    "slack": { "command": "npx", "args": ["-y", "server-slack"], "env": { "SLACK_BOT_TOKEN": "${slack}" } },
    "remote": { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer ${header}" } },
    "plain": { "command": "uvx", "args": ["mcp-server-fetch"], "disabled": false },
    "odd": { "command": "uvx", "args": ["odd-mcp"], "auth": { "token": "${odd}" } },
  },
}
`;
  fs.writeFileSync(file, text);
  const t = makeTestContext({
    cwd: root,
    env: { HOME: home, CREDKIT_HOME: join(root, "ck") },
    stateDir: join(root, "ck", "state"),
  });
  return { root, home, file, text, secrets: [gh, slack, header, odd], gh, t };
}

Deno.test("mcp import --dry-run and --json: per server, masked, nothing written, no crash on false", async () => {
  const s = setup();
  try {
    const dry = await cliWith(s.t, ["mcp", "import", s.file, "--dry-run", "--bin", "credkit"]);
    assert.equal(dry.code, 0, dry.err);
    assert.match(
      dry.err,
      /github: would move env\.GITHUB_PERSONAL_ACCESS_TOKEN to service mcp-cursor-github/,
    );
    assert.match(dry.err, /remote: would move headers\.Authorization to service mcp-cursor-remote/);
    assert.match(dry.err, /plain: untouched/);
    assert.match(
      dry.err,
      /odd: left as is\n {4}warning: auth\.token looks like a secret; not moved/,
    );
    assert.match(dry.err, /Dry run: nothing written/);
    const json = await cliWith(s.t, ["--json", "mcp", "import", s.file, "--dry-run"]);
    assert.equal(json.code, 0, json.err);
    const report = JSON.parse(json.out);
    const servers = report.files[0].servers;
    assert.deepEqual(servers.map((x: { status: string }) => x.status), [
      "moved",
      "moved",
      "moved",
      "untouched",
      "warned",
    ]);
    assert.deepEqual(servers[0].moved, [{
      place: "env.GITHUB_PERSONAL_ACCESS_TOKEN",
      variable: "GITHUB_PERSONAL_ACCESS_TOKEN",
    }]);
    assertNoSecrets(dry.out + dry.err + json.out + json.err, s.secrets);
    assert.equal(fs.readFileSync(s.file, "utf8"), s.text);
    assert.equal(fs.existsSync(join(s.root, "ck")), false);
    assert.deepEqual(await s.t.backends.get("keychain:credentials")!.list(), []);
  } finally {
    fs.rmSync(s.root, { recursive: true, force: true });
  }
});

Deno.test("mcp import never overwrites a stored value that differs without --force", async () => {
  const s = setup();
  try {
    const kc = s.t.backends.get("keychain:credentials")!;
    const other = fakeToken("ghp_", 36);
    await kc.set("mcp-cursor-github", { github_personal_access_token: other });
    const r = await cliWith(s.t, ["mcp", "import", s.file, "--bin", "credkit"]);
    assert.equal(r.code, 1, r.err);
    assert.match(
      r.err,
      /service mcp-cursor-github already holds a different value; left unchanged/,
    );
    assertNoSecrets(r.out + r.err, [...s.secrets, other]);
    assert.deepEqual(await kc.get("mcp-cursor-github"), { github_personal_access_token: other });
    const after = fs.readFileSync(s.file, "utf8");
    assert.ok(after.includes(s.gh), "the conflicting server is left as it was");
    assert.ok(after.includes("// personal"));
    assert.match(after, /"slack": \{ "command": "credkit"/);
    const user = JSON.parse(fs.readFileSync(join(s.root, "ck", "credkit.json"), "utf8"));
    assert.deepEqual(Object.keys(user.services).sort(), ["mcp-cursor-remote", "mcp-cursor-slack"]);

    const forced = await cliWith(s.t, ["mcp", "import", s.file, "--bin", "credkit", "--force"]);
    assert.equal(forced.code, 0, forced.err);
    assert.deepEqual(await kc.get("mcp-cursor-github"), { github_personal_access_token: s.gh });
    // Everything moved but the odd field, which is named in a warning and left.
    assertNoSecrets(fs.readFileSync(s.file, "utf8"), s.secrets.slice(0, 3));
    assert.equal(fs.readdirSync(join(s.root, "ck", "state", "backups")).length, 2);

    const restored = await cliWith(s.t, ["mcp", "import", "--restore", s.file]);
    assert.equal(restored.code, 0, restored.err);
    assert.match(fs.readFileSync(s.file, "utf8"), /"slack": \{ "command": "credkit"/);
  } finally {
    fs.rmSync(s.root, { recursive: true, force: true });
  }
});

Deno.test("mcp import refuses what it cannot read, without quoting it", async () => {
  const s = setup();
  try {
    fs.writeFileSync(s.file, `{"mcpServers": {"x": {"env": {"TOKEN": "${s.gh}"}}`);
    const bad = await cliWith(s.t, ["mcp", "import", s.file]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /not valid JSON\(C\)/);
    assertNoSecrets(bad.err, [s.gh]);
    fs.writeFileSync(s.file, `{"other": 1}`);
    assert.match((await cliWith(s.t, ["mcp", "import", s.file])).err, /no "mcpServers"/);
    const client = await cliWith(s.t, ["mcp", "import", "--client", "emacs"]);
    assert.equal(client.code, 2);
    assert.match(client.err, /unknown client "emacs"/);
    // Found (not named) files without servers are listed, not refused.
    fs.writeFileSync(join(s.home, ".claude.json"), '{"numStartups": 3}');
    const found = await cliWith(s.t, ["mcp", "import", "--client", "claude-code", "--dry-run"]);
    assert.equal(found.code, 0, found.err);
    assert.match(found.err, /\.claude\.json \(claude-code, user file\)/);
    const none = await cliWith(s.t, ["mcp", "import", "--client", "windsurf"]);
    assert.equal(none.code, 2);
    assert.match(none.err, /no windsurf configuration found/);
    const restore = await cliWith(s.t, ["mcp", "import", "--restore", s.file]);
    assert.equal(restore.code, 2);
    assert.match(restore.err, /no backup of it/);
  } finally {
    fs.rmSync(s.root, { recursive: true, force: true });
  }
});
