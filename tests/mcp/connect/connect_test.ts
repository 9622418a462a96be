import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { assertNoSecrets } from "../../_helpers.ts";
import { connectClient, credkitCommand, privateEnv, startRemote } from "./_remote.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The credentials file of a private environment, parsed. */
function storedTokens(home: string, service: string): Record<string, string> | undefined {
  const file = join(home, "credkit", "credentials.json");
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  return data.tokens?.[service];
}

function browserCalls(log: string): string[] {
  try {
    return fs.readFileSync(log, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function text(result: Promise<unknown>): Promise<string> {
  const r = await result as { content: { type: string; text: string }[] };
  return r.content.map((c) => c.text).join("");
}

Deno.test({
  name: "mcp connect: one client signs in once; tools listed and called; no token reaches it",
  ...opts,
  fn: async () => {
    const remote = await startRemote({ accessTtl: 60 });
    const { env, home, browserLog } = await privateEnv();
    try {
      const c = await connectClient(["mcp", "connect", remote.mcp, "--service", "remote"], env);
      try {
        const tools = await c.client.listTools();
        assert.deepEqual(tools.tools.map((t) => t.name).sort(), ["echo", "roots", "whoami"]);
        assert.equal(
          await text(c.client.callTool({ name: "echo", arguments: { text: "hi" } })),
          "echo: hi",
        );
        // A server-to-client request (roots/list) relayed back and answered.
        assert.equal(
          await text(c.client.callTool({ name: "roots", arguments: {} })),
          "roots: file:///work/project",
        );
        // A server that echoes the bearer token: credkit masks it.
        const leak = await text(c.client.callTool({ name: "whoami", arguments: {} }));
        assert.match(leak, /^you sent: Bearer \*\*\*\*$/);
      } finally {
        await c.close();
      }
      const stats = await remote.stats();
      assert.equal(stats.authorizations, 1);
      assert.equal(stats.registrations, 1);
      const calls = browserCalls(browserLog);
      assert.equal(calls.length, 1);
      assert.match(calls[0], /^1 http:\/\/127\.0\.0\.1:\d+\/auth\?/); // the URL as its single argument
      const entry = storedTokens(home, "remote");
      assert.ok(entry?.access_token && entry.refresh_token && entry.expires_at && entry.client_id);
      const mode = fs.statSync(join(home, "credkit", "credentials.json")).mode & 0o777;
      assert.equal(mode, 0o600);
      const secrets = [entry.access_token, entry.refresh_token];
      assertNoSecrets(c.received.join("\n"), secrets);
      assertNoSecrets(c.stderr(), secrets);
      assert.match(c.stderr(), /sign in to http:\/\/127\.0\.0\.1:\d+ at:/);
      // `credkit auth status` lists the entry, never a token.
      const { command, args } = credkitCommand();
      const status = await new Deno.Command(command, {
        args: [...args, "auth", "status", "--json"],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(status.stdout);
      assert.equal(status.code, 0);
      const listed = JSON.parse(out).services.find((s: { service: string }) =>
        s.service === "remote"
      );
      assert.ok(listed?.refreshable);
      assertNoSecrets(out, secrets);
    } finally {
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});
