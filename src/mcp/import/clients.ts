/**
 * Where each MCP client keeps its servers, on Linux, macOS and Windows,
 * computed from the environment (`HOME`, `APPDATA`, `XDG_CONFIG_HOME`,
 * `USERPROFILE`) so tests can point it anywhere.
 *
 * @module
 */
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parse } from "jsonc-parser";
import type { Env } from "../../paths.ts";

/**
 * The clients `mcp import` knows.
 *
 * @example
 * ```ts
 * CLIENTS.includes("cursor"); // true
 * ```
 */
export const CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode", "windsurf"] as const;
/** One of {@link CLIENTS}. */
export type ClientName = typeof CLIENTS[number];

/** `user`: a file only this user reads. `project`: a file shared in a project (no per-user path). */
export type Scope = "user" | "project";

/** One client configuration file. */
export interface ClientFile {
  /** The client that reads it. */
  client: ClientName;
  /** Where it is. */
  path: string;
  /** Whether only this user reads it or a project shares it. */
  scope: Scope;
  /** The project directory of a project file. */
  projectDir?: string;
}

/** Operating system whose paths are used. */
export type OsName = "linux" | "darwin" | "win32";

function homeOf(env: Env): string {
  return env.HOME || env.USERPROFILE || "/";
}

function appData(env: Env, os: OsName): string {
  const home = homeOf(env);
  if (os === "darwin") return join(home, "Library", "Application Support");
  if (os === "win32") return env.APPDATA || join(home, "AppData", "Roaming");
  return env.XDG_CONFIG_HOME || join(home, ".config");
}

/**
 * Every place a client may keep servers, for `os`, existing or not: user
 * files under the home directory, and project files under `cwd`.
 *
 * @example
 * ```ts
 * clientFiles({ env: { HOME: "/h" }, cwd: "/p", os: "linux" })[0];
 * // { client: "claude-desktop", path: "/h/.config/Claude/claude_desktop_config.json", scope: "user" }
 * ```
 */
export function clientFiles(options: { env: Env; cwd: string; os: OsName }): ClientFile[] {
  const { env, os } = options;
  const home = homeOf(env);
  const apps = appData(env, os);
  const cwd = resolve(options.cwd);
  const code = join(apps, "Code", "User");
  return [
    {
      client: "claude-desktop",
      path: join(apps, "Claude", "claude_desktop_config.json"),
      scope: "user",
    },
    { client: "claude-code", path: join(home, ".claude.json"), scope: "user" },
    { client: "claude-code", path: join(cwd, ".mcp.json"), scope: "project", projectDir: cwd },
    { client: "cursor", path: join(home, ".cursor", "mcp.json"), scope: "user" },
    { client: "cursor", path: join(cwd, ".cursor", "mcp.json"), scope: "project", projectDir: cwd },
    { client: "vscode", path: join(code, "mcp.json"), scope: "user" },
    { client: "vscode", path: join(code, "settings.json"), scope: "user" },
    { client: "vscode", path: join(cwd, ".vscode", "mcp.json"), scope: "project", projectDir: cwd },
    {
      client: "vscode",
      path: join(cwd, ".vscode", "settings.json"),
      scope: "project",
      projectDir: cwd,
    },
    {
      client: "windsurf",
      path: join(home, ".codeium", "windsurf", "mcp_config.json"),
      scope: "user",
    },
  ];
}

/**
 * Which client a file named on the command line belongs to, from its name
 * and place (`--client` overrides the client; the scope still comes from the
 * place). Unknown names are treated as a user file of `fallback`.
 *
 * @example
 * ```ts
 * classifyFile("/p/.cursor/mcp.json", { env: { HOME: "/h" } }); // { client: "cursor", scope: "project", projectDir: "/p", ... }
 * ```
 */
export function classifyFile(
  file: string,
  options: { env: Env; client?: ClientName },
): ClientFile {
  const path = resolve(file);
  const name = basename(path);
  const dir = dirname(path);
  const home = resolve(homeOf(options.env));
  const parent = basename(dir);
  let found: ClientFile;
  if (name === "claude_desktop_config.json") {
    found = { client: "claude-desktop", path, scope: "user" };
  } else if (name === ".claude.json") {
    found = { client: "claude-code", path, scope: "user" };
  } else if (name === ".mcp.json") {
    found = { client: "claude-code", path, scope: "project", projectDir: dir };
  } else if (name === "mcp_config.json") {
    found = { client: "windsurf", path, scope: "user" };
  } else if (name === "mcp.json" && parent === ".cursor") {
    found = dirname(dir) === home
      ? { client: "cursor", path, scope: "user" }
      : { client: "cursor", path, scope: "project", projectDir: dirname(dir) };
  } else if ((name === "mcp.json" || name === "settings.json") && parent === ".vscode") {
    found = { client: "vscode", path, scope: "project", projectDir: dirname(dir) };
  } else if (name === "mcp.json" || name === "settings.json") {
    found = { client: "vscode", path, scope: "user" };
  } else {
    found = { client: options.client ?? "claude-desktop", path, scope: "user" };
  }
  return options.client ? { ...found, client: options.client } : found;
}

/**
 * A lower-case slug usable in a service name.
 *
 * @example
 * ```ts
 * slug("GitHub Server"); // "github-server"
 * ```
 */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/**
 * The client files that exist: {@link clientFiles} for `os`, plus the
 * project files (`.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`) of every
 * project Claude Code lists in `~/.claude.json`; only `client`'s when given.
 *
 * @example
 * ```ts
 * findClientFiles({ env: process.env, cwd: process.cwd(), os: "linux" });
 * ```
 */
export function findClientFiles(
  options: { env: Env; cwd: string; os: OsName; client?: ClientName },
): ClientFile[] {
  const all = clientFiles(options);
  const claudeJson = all.find((f) => f.path.endsWith(".claude.json"))!.path;
  try {
    const data = parse(fs.readFileSync(claudeJson, "utf8").replace(/^\uFEFF/, ""), [], {
      allowTrailingComma: true,
    });
    for (const dir of Object.keys(data?.projects ?? {})) {
      all.push(
        ...clientFiles({ ...options, cwd: dir }).filter((f) => f.scope === "project"),
      );
    }
  } catch { /* no ~/.claude.json */ }
  const seen = new Set<string>();
  return all.filter((f) => {
    if (options.client && f.client !== options.client) return false;
    if (seen.has(f.path) || !fs.existsSync(f.path)) return false;
    seen.add(f.path);
    if (f.path.endsWith("settings.json")) {
      try {
        const data = parse(fs.readFileSync(f.path, "utf8").replace(/^\uFEFF/, ""), [], {
          allowTrailingComma: true,
        });
        return typeof data?.mcp?.servers === "object";
      } catch {
        return false;
      }
    }
    return true;
  });
}
