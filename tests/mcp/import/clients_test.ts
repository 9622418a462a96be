import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyFile, clientFiles, findClientFiles } from "../../../src/mcp/import/clients.ts";

Deno.test("client files on Linux, macOS and Windows come from HOME, XDG_CONFIG_HOME and APPDATA", () => {
  const paths = (os: "linux" | "darwin" | "win32", env: Record<string, string>) =>
    clientFiles({ env, cwd: "/p", os }).map((f) => `${f.client}:${f.scope}:${f.path}`);
  assert.deepEqual(paths("linux", { HOME: "/h", XDG_CONFIG_HOME: "/x" }), [
    "claude-desktop:user:/x/Claude/claude_desktop_config.json",
    "claude-code:user:/h/.claude.json",
    "claude-code:project:/p/.mcp.json",
    "cursor:user:/h/.cursor/mcp.json",
    "cursor:project:/p/.cursor/mcp.json",
    "vscode:user:/x/Code/User/mcp.json",
    "vscode:user:/x/Code/User/settings.json",
    "vscode:project:/p/.vscode/mcp.json",
    "vscode:project:/p/.vscode/settings.json",
    "windsurf:user:/h/.codeium/windsurf/mcp_config.json",
  ]);
  const mac = paths("darwin", { HOME: "/Users/me" });
  assert.ok(mac.includes(
    "claude-desktop:user:/Users/me/Library/Application Support/Claude/claude_desktop_config.json",
  ));
  assert.ok(mac.includes("vscode:user:/Users/me/Library/Application Support/Code/User/mcp.json"));
  const win = paths("win32", { USERPROFILE: "/U/me", APPDATA: "/U/me/AppData/Roaming" });
  assert.ok(
    win.includes("claude-desktop:user:/U/me/AppData/Roaming/Claude/claude_desktop_config.json"),
  );
  assert.ok(win.includes("cursor:user:/U/me/.cursor/mcp.json"));
  assert.ok(win.includes("vscode:user:/U/me/AppData/Roaming/Code/User/settings.json"));
});

Deno.test("a named file is classified by name and place", () => {
  const env = { HOME: "/h" };
  const c = (p: string) => {
    const f = classifyFile(p, { env });
    return `${f.client}:${f.scope}:${f.projectDir ?? ""}`;
  };
  assert.equal(c("/h/.cursor/mcp.json"), "cursor:user:");
  assert.equal(c("/w/app/.cursor/mcp.json"), "cursor:project:/w/app");
  assert.equal(c("/w/app/.vscode/mcp.json"), "vscode:project:/w/app");
  assert.equal(c("/w/app/.mcp.json"), "claude-code:project:/w/app");
  assert.equal(c("/h/.claude.json"), "claude-code:user:");
  assert.equal(c("/h/.codeium/windsurf/mcp_config.json"), "windsurf:user:");
  assert.equal(c("/h/.config/Code/User/settings.json"), "vscode:user:");
  assert.equal(classifyFile("/x/other.json", { env, client: "cursor" }).client, "cursor");
});

Deno.test("findClientFiles lists existing files, Claude Code's projects included, filtered by client", () => {
  const root = fs.mkdtempSync(join(tmpdir(), "credkit-clients-"));
  try {
    const home = join(root, "home");
    const proj = join(root, "proj");
    const other = join(root, "other");
    fs.mkdirSync(join(home, ".cursor"), { recursive: true });
    fs.mkdirSync(join(other, ".vscode"), { recursive: true });
    fs.mkdirSync(join(home, ".config", "Code", "User"), { recursive: true });
    fs.mkdirSync(proj);
    fs.writeFileSync(join(home, ".cursor", "mcp.json"), "{}");
    fs.writeFileSync(join(home, ".claude.json"), JSON.stringify({ projects: { [other]: {} } }));
    fs.writeFileSync(join(other, ".vscode", "mcp.json"), "{}");
    fs.writeFileSync(join(proj, ".mcp.json"), "{}");
    // settings.json counts only with an "mcp" section.
    fs.writeFileSync(
      join(home, ".config", "Code", "User", "settings.json"),
      '{"editor.tabSize": 2}',
    );
    const found = findClientFiles({ env: { HOME: home }, cwd: proj, os: "linux" });
    assert.deepEqual(found.map((f) => f.path), [
      join(home, ".claude.json"),
      join(proj, ".mcp.json"),
      join(home, ".cursor", "mcp.json"),
      join(other, ".vscode", "mcp.json"),
    ]);
    fs.writeFileSync(
      join(home, ".config", "Code", "User", "settings.json"),
      '{\n  // editor\n  "mcp": {"servers": {}},\n}',
    );
    const vs = findClientFiles({ env: { HOME: home }, cwd: proj, os: "linux", client: "vscode" });
    assert.deepEqual(vs.map((f) => f.path), [
      join(home, ".config", "Code", "User", "settings.json"),
      join(other, ".vscode", "mcp.json"),
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
