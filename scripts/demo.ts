/**
 * `npm run demo`: builds dist/credkit and shows it at work on a throwaway
 * file store in a temporary directory: add a credential, show it masked, run
 * a command that receives it, and start a real MCP server through
 * `credkit run --mcp` that gets the token while its client never sees it.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.d.ts"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "dist", "credkit");
const home = fs.mkdtempSync(join(tmpdir(), "credkit-demo-"));
const env: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  CREDKIT_HOME: home,
  CREDKIT_STORE: "file",
};
const token = `hf_demo${crypto.randomUUID().replaceAll("-", "")}`;

function say(text: string): void {
  console.log(`\n\x1b[1m${text}\x1b[0m`);
}

/** A command line as a shell user would type it. */
function shown(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(
    " ",
  );
}

function credkit(args: string[], input?: string): number {
  console.log(`$ credkit ${shown(args)}${input !== undefined ? "   (token piped on stdin)" : ""}`);
  const r = spawnSync(bin, args, {
    env,
    input: input ?? "",
    stdio: ["pipe", "inherit", "inherit"],
  });
  return r.status ?? 1;
}

/** The child hashes what it received; the hash, never the token, crosses argv and stdout. */
function childGotExactToken(): boolean {
  const args = ["run", "--", "sh", "-c", 'printf %s "$HF_TOKEN" | sha256sum'];
  console.log(`$ credkit ${shown(args)}`);
  const r = spawnSync(bin, args, { env, encoding: "utf8" });
  const expected = createHash("sha256").update(token).digest("hex");
  const same = r.stdout.startsWith(expected);
  console.log(
    `sha256 of what the child received ${same ? "matches" : "does NOT match"} the stored token`,
  );
  return same;
}

function build(): void {
  const r = spawnSync(process.execPath, ["run", "-A", join(root, "scripts", "build.ts")], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("build failed");
}

async function mcpDemo(): Promise<boolean> {
  const server = join(
    root,
    "node_modules",
    "@modelcontextprotocol",
    "server-everything",
    "dist",
    "index.js",
  );
  const args = ["run", "--mcp", "--only", "huggingface", "--", "node", server, "stdio"];
  console.log(`$ credkit ${shown(args)}   (started by an MCP client over stdio)`);
  const transport = new StdioClientTransport({ command: bin, args, env, stderr: "ignore" });
  const client = new Client({ name: "credkit-demo", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    console.log(`client: connected, the server offers ${tools.length} tools`);
    const result = await client.callTool({ name: "get-env", arguments: {} });
    const text = (result.content as { type: string; text: string }[])[0].text;
    const serverEnv = JSON.parse(text) as Record<string, string>;
    const reply = JSON.stringify(result);
    console.log(
      `client: get-env says the server's HF_TOKEN is ${JSON.stringify(serverEnv.HF_TOKEN)}`,
    );
    console.log(
      `client: the raw token appears in the reply: ${reply.includes(token) ? "YES (leak!)" : "no"}`,
    );
    return "HF_TOKEN" in serverEnv && serverEnv.HF_TOKEN === "****" && !reply.includes(token);
  } finally {
    await client.close();
  }
}

let ok = true;
try {
  say("1. Build the single binary");
  build();
  say(`2. Store a Hugging Face token in a throwaway file store (${home})`);
  ok &&= credkit(["add", "huggingface", "--stdin"], token) === 0;
  say("3. Show it: masked, with where it came from");
  ok &&= credkit(["show", "huggingface"]) === 0;
  say("4. Run a command with it: the child gets the token, its output is masked");
  ok &&= credkit(["run", "--", "sh", "-c", 'echo "child prints HF_TOKEN=$HF_TOKEN"']) === 0;
  ok &&= childGotExactToken();
  say("5. Start a real MCP server (server-everything) through credkit run --mcp");
  ok &&= await mcpDemo();
} catch (err) {
  console.error(`demo: ${(err as Error).message}`);
  ok = false;
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
say(
  ok
    ? "Demo finished: the token reached the programs and never showed up in any output."
    : "Demo FAILED",
);
process.exit(ok ? 0 : 1);
