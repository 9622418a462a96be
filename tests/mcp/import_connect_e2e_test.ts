/**
 * `mcp import` and `mcp connect` together, as a user meets them: a client
 * file with a remote server whose header carries a token is imported; the
 * rewritten entry, started as the client would start it, reaches the real
 * remote server with the token from credkit's store, and neither the file
 * nor anything the client receives holds the token.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { assertNoSecrets } from "../_helpers.ts";
import { connectCommand, credkitCommand, privateEnv, startRemote } from "./connect/_remote.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function text(result: Promise<unknown>): Promise<string> {
  const r = await result as { content: { type: string; text: string }[] };
  return r.content.map((c) => c.text).join("");
}

async function credkit(args: string[], env: Record<string, string>) {
  const { command, args: prefix } = credkitCommand();
  const out = await new Deno.Command(command, {
    args: [...prefix, ...args],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: decode(out.stdout), err: decode(out.stderr) };
}

/** The entry as its client starts it: `credkit` by name resolves to the binary under test. */
function startArgv(entry: { command: string; args?: string[] }): [string, string[]] {
  const { command, args: prefix } = credkitCommand();
  const isCredkit = entry.command === "credkit" || entry.command.endsWith("/credkit");
  return isCredkit
    ? [command, [...prefix, ...(entry.args ?? [])]]
    : [entry.command, entry.args ?? []];
}

for (
  const client of [
    { name: "cursor", file: [".cursor", "mcp.json"], key: "mcpServers", expand: (s: string) => s },
    {
      name: "claude-code",
      file: [".claude.json"],
      key: "mcpServers",
      // Claude Code expands ${VAR:-default} itself: ${CREDKIT_DOLLAR:-$}{X} becomes ${X}.
      expand: (s: string) => s.replaceAll("${CREDKIT_DOLLAR:-$}", "$"),
    },
    {
      name: "claude-code (no expansion)",
      file: [".claude.json"],
      key: "mcpServers",
      expand: (s: string) => s,
    },
  ]
) {
  Deno.test({
    name: `mcp import rewrites a ${client.name} remote server to mcp connect, which works`,
    ...opts,
    fn: async () => {
      const pat = ["ghp", crypto.randomUUID().replaceAll("-", "")].join("_");
      const remote = await startRemote({ pat });
      const { env, home } = await privateEnv({ CI: "true" });
      try {
        const path = join(home, ...client.file);
        fs.mkdirSync(join(path, ".."), { recursive: true });
        const original = `{
  // the team's remote server
  "${client.key}": {
    "remote-pat": {
      "type": "http",
      "url": "${remote.pat}",
      "headers": { "Authorization": "Bearer ${pat}" }
    }
  }
}
`;
        fs.writeFileSync(path, original);
        const imported = await credkit(["mcp", "import", path], env);
        assert.equal(imported.code, 0, imported.err);
        assertNoSecrets(imported.out + imported.err, [pat]);
        const rewritten = fs.readFileSync(path, "utf8");
        assert.ok(!rewritten.includes(pat), "the token is still in the client file");
        assert.match(rewritten, /\/\/ the team's remote server/);
        const { parse } = await import("jsonc-parser");
        const entry = parse(rewritten)[client.key]["remote-pat"];
        assert.ok(entry.args.includes("connect"), JSON.stringify(entry));
        const [command, args] = startArgv({
          command: entry.command,
          args: entry.args.map(client.expand),
        });
        const c = await connectCommand(command, args, { ...env, ...(entry.env ?? {}) });
        try {
          const seen = await text(c.client.callTool({ name: "whoami", arguments: {} }));
          assert.match(seen, /^you sent: (Bearer )?\*\*\*\*$/);
        } finally {
          await c.close();
        }
        assertNoSecrets(c.received.join("\n") + c.stderr(), [pat]);
        assert.ok((await remote.stats()).patRequests > 0, "the remote server saw no PAT request");
        const again = await credkit(["mcp", "import", path], env);
        assert.equal(again.code, 0, again.err);
        assert.equal(fs.readFileSync(path, "utf8"), rewritten, "a rerun changed the file");
      } finally {
        await remote.close();
        await Deno.remove(home, { recursive: true });
      }
    },
  });
}
