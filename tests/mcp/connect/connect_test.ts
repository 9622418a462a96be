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
        assert.deepEqual(tools.tools.map((t) => t.name).sort(), [
          "admin",
          "echo",
          "roots",
          "whoami",
        ]);
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

Deno.test({
  name: "mcp connect: four clients at once on an empty store make one authorization",
  ...opts,
  fn: async () => {
    const remote = await startRemote({ accessTtl: 60 });
    const { env, home, browserLog } = await privateEnv();
    const clients = [];
    try {
      clients.push(
        ...await Promise.all(
          [0, 1, 2, 3].map(() => connectClient(["mcp", "connect", remote.mcp], env)),
        ),
      );
      const answers = await Promise.all(
        clients.map((c, i) =>
          text(c.client.callTool({ name: "echo", arguments: { text: `c${i}` } }))
        ),
      );
      assert.deepEqual(answers, ["echo: c0", "echo: c1", "echo: c2", "echo: c3"]);
      const stats = await remote.stats();
      assert.equal(stats.authorizations, 1);
      assert.equal(stats.registrations, 1);
      assert.equal(browserCalls(browserLog).length, 1);
      const service = `mcp-127.0.0.1-${new URL(remote.mcp).port}`;
      const entry = storedTokens(home, service);
      assert.ok(entry?.access_token);
      for (const c of clients) {
        assertNoSecrets(c.received.join("\n") + c.stderr(), [
          entry.access_token,
          entry.refresh_token,
        ]);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "mcp connect: after expiry four clients calling at once make one refresh, no reuse",
  ...opts,
  fn: async () => {
    const remote = await startRemote({ accessTtl: 5 });
    const { env, home } = await privateEnv();
    const clients = [];
    try {
      const first = await connectClient(["mcp", "connect", remote.mcp, "--service", "r"], env);
      clients.push(first);
      await first.client.listTools();
      clients.push(
        ...await Promise.all(
          [1, 2, 3].map(() => connectClient(["mcp", "connect", remote.mcp, "--service", "r"], env)),
        ),
      );
      const before = storedTokens(home, "r")!;
      // Let the access token expire, then everybody calls at once.
      const wait = Number(before.expires_at) * 1000 - Date.now() + 1000;
      await new Promise((r) => setTimeout(r, Math.max(wait, 0)));
      await remote.reset();
      const answers = await Promise.all(
        clients.map((c, i) =>
          text(c.client.callTool({ name: "echo", arguments: { text: `after${i}` } }))
        ),
      );
      assert.deepEqual(answers, ["echo: after0", "echo: after1", "echo: after2", "echo: after3"]);
      const stats = await remote.stats();
      assert.equal(stats.refreshRequests, 1);
      assert.equal(stats.refreshSucceeded, 1);
      assert.equal(stats.reuseDetected, 0);
      assert.equal(stats.grantsRevoked, 0);
      assert.equal(stats.authorizations, 0);
      const after = storedTokens(home, "r")!;
      assert.notEqual(after.refresh_token, before.refresh_token); // rotated and saved
      for (const c of clients) {
        assertNoSecrets(c.received.join("\n") + c.stderr(), [
          before.access_token,
          before.refresh_token,
          after.access_token,
          after.refresh_token,
        ]);
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "mcp connect: a PAT server through --header 'Authorization: Bearer ${GITHUB_TOKEN}'",
  ...opts,
  fn: async () => {
    const pat = ["ghp", crypto.randomUUID().replaceAll("-", "")].join("_");
    const remote = await startRemote({ pat });
    const { env, home, browserLog } = await privateEnv();
    try {
      // The PAT lives in credkit's store, not in the client's environment or argv.
      const { command, args } = credkitCommand();
      const add = new Deno.Command(command, {
        args: [...args, "add", "github", "--stdin"],
        env,
        clearEnv: true,
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const writer = add.stdin.getWriter();
      await writer.write(new TextEncoder().encode(`token=${pat}\n`));
      await writer.close();
      assert.equal((await add.output()).code, 0);
      const argv = [
        "mcp",
        "connect",
        remote.pat,
        "--header",
        "Authorization: Bearer ${GITHUB_TOKEN}",
      ];
      const c = await connectClient(argv, env);
      try {
        const leak = await text(c.client.callTool({ name: "whoami", arguments: {} }));
        assert.match(leak, /^you sent: (Bearer )?\*\*\*\*$/);
        assert.equal(
          await text(c.client.callTool({ name: "echo", arguments: { text: pat } })),
          "echo: ****",
        );
      } finally {
        await c.close();
      }
      assertNoSecrets(c.received.join("\n") + c.stderr() + argv.join(" "), [pat]);
      assert.equal(browserCalls(browserLog).length, 0);
      assert.ok((await remote.stats()).patRequests > 0);
    } finally {
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "mcp connect: ${VAR} in a URL query value is filled from the store and masked",
  ...opts,
  fn: async () => {
    const pat = ["key", crypto.randomUUID().replaceAll("-", "")].join("_");
    const remote = await startRemote({ pat });
    const { env, home } = await privateEnv();
    try {
      const { command, args } = credkitCommand();
      const add = new Deno.Command(command, {
        args: [...args, "add", "github", "--stdin"],
        env,
        clearEnv: true,
        stdin: "piped",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const writer = add.stdin.getWriter();
      await writer.write(new TextEncoder().encode(`token=${pat}\n`));
      await writer.close();
      assert.equal((await add.output()).code, 0);
      const url = `${remote.pat}?api_key=\${GITHUB_TOKEN}`;
      const c = await connectClient(["mcp", "connect", url], env);
      try {
        const leak = await text(c.client.callTool({ name: "whoami", arguments: {} }));
        assert.equal(leak, "you sent: api_key=****");
      } finally {
        await c.close();
      }
      assertNoSecrets(c.received.join("\n") + c.stderr(), [pat]);
    } finally {
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "mcp connect: a server speaking only HTTP+SSE is reached through the fallback",
  ...opts,
  fn: async () => {
    const remote = await startRemote({});
    const { env, home } = await privateEnv();
    try {
      const c = await connectClient(["mcp", "connect", remote.legacy], env);
      try {
        assert.equal(
          await text(c.client.callTool({ name: "echo", arguments: { text: "old" } })),
          "echo: old",
        );
        assert.equal(
          await text(c.client.callTool({ name: "roots", arguments: {} })),
          "roots: file:///work/project",
        );
      } finally {
        await c.close();
      }
    } finally {
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});
