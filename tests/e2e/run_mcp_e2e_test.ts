/**
 * `credkit run --mcp` in front of a real MCP server
 * (@modelcontextprotocol/server-everything), driven by the official MCP SDK
 * client, once per runtime (binary, Deno, Bun).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.d.ts"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="../../node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.d.ts"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { credkit, runtimes, tempHome } from "./_runtimes.ts";

const SERVER = resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js");

/** The environment of the running server-everything processes, read from /proc. */
function serverEnvironments(): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const argv = cmdline.split("\0");
      if (!argv[0].endsWith("node") || argv[1] !== SERVER) continue;
      const environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean);
      out.push(
        Object.fromEntries(
          environ.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
        ),
      );
    } catch { /* gone meanwhile */ }
  }
  return out;
}

for (const rt of runtimes()) {
  Deno.test(`[${rt.name}] run --mcp: the server gets the token, the SDK client never sees it`, async () => {
    const home = tempHome();
    const token = `hf_mcp${crypto.randomUUID().replaceAll("-", "")}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH!,
      HOME: home,
      CREDKIT_HOME: home,
      CREDKIT_STORE: "file",
    };
    assert.equal(
      (await credkit(rt, ["add", "huggingface", "--stdin"], { env, stdin: token })).code,
      0,
    );
    const errors: Error[] = [];
    let stderr = "";
    const transport = new StdioClientTransport({
      command: rt.argv[0],
      args: [
        ...rt.argv.slice(1),
        "run",
        "--mcp",
        "--only",
        "huggingface",
        "--",
        "node",
        SERVER,
        "stdio",
      ],
      env,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (d: Uint8Array) => (stderr += new TextDecoder().decode(d)));
    const client = new Client({ name: "credkit-test", version: "1.0.0" });
    client.onerror = (e: Error) => errors.push(e);
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t: { name: string }) => t.name === "get-env"));
      const seen: string[] = [];
      for (let i = 0; i < 25; i++) {
        const envReply = await client.callTool({ name: "get-env", arguments: {} });
        seen.push(JSON.stringify(envReply));
        const serverEnv = JSON.parse((envReply.content as { text: string }[])[0].text);
        assert.equal(serverEnv.HF_TOKEN, "****");
        assert.equal(serverEnv.HUGGINGFACE_TOKEN, "****");
        const echo = await client.callTool({ name: "echo", arguments: { message: `ping ${i}` } });
        seen.push(JSON.stringify(echo));
        assert.match(JSON.stringify(echo.content), new RegExp(`ping ${i}`));
      }
      const servers = serverEnvironments().filter((e) => e.CREDKIT_HOME === home);
      assert.equal(servers.length, 1, "one server process started through credkit");
      assert.equal(servers[0].HF_TOKEN, token, "the server received the exact token");
      assert.ok(!seen.join("").includes(token), "the client never saw the token");
      assert.deepEqual(errors.map((e) => e.message), [], "every message parsed as valid JSON-RPC");
    } finally {
      await client.close();
    }
    assert.ok(!stderr.includes(token));
    // Nothing started by the server outlives the client closing credkit.
    for (let i = 0; i < 50 && serverEnvironments().some((e) => e.CREDKIT_HOME === home); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(
      serverEnvironments().filter((e) => e.CREDKIT_HOME === home).length,
      0,
      "server gone",
    );
    fs.rmSync(join(home), { recursive: true });
  });
}
