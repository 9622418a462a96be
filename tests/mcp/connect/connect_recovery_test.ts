import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { assertNoSecrets } from "../../_helpers.ts";
import { keychainAvailability } from "../../_keychain.ts";
import {
  connectClient,
  credkitCommand,
  type LocalClient,
  privateEnv,
  startRemote,
} from "./_remote.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

async function echo(c: LocalClient, text: string): Promise<string> {
  const r = await c.client.callTool({ name: "echo", arguments: { text } }) as {
    content: { text: string }[];
  };
  return r.content[0].text;
}

async function credkit(env: Record<string, string>, args: string[]) {
  const { command, args: prefix } = credkitCommand();
  const r = await new Deno.Command(command, {
    args: [...prefix, ...args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const td = new TextDecoder();
  return { code: r.code, out: td.decode(r.stdout), err: td.decode(r.stderr) };
}

Deno.test({
  name: "mcp connect: a rejected refresh token leads to one new sign-in for all four clients",
  ...opts,
  fn: async () => {
    const remote = await startRemote({ accessTtl: 5 });
    const { env, home, browserLog } = await privateEnv();
    const clients: LocalClient[] = [];
    try {
      clients.push(
        ...await Promise.all(
          [0, 1, 2, 3].map(() =>
            connectClient(["mcp", "connect", remote.mcp, "--service", "r"], env)
          ),
        ),
      );
      await Promise.all(clients.map((c, i) => echo(c, `w${i}`)));
      const file = join(home, "credkit", "credentials.json");
      const before = JSON.parse(fs.readFileSync(file, "utf8")).tokens.r;
      await new Promise((r) =>
        setTimeout(r, Math.max(Number(before.expires_at) * 1000 - Date.now() + 1000, 0))
      );
      await remote.reset();
      await remote.rejectNextRefresh();
      const answers = await Promise.all(clients.map((c, i) => echo(c, `again${i}`)));
      assert.deepEqual(answers, ["echo: again0", "echo: again1", "echo: again2", "echo: again3"]);
      const stats = await remote.stats();
      assert.equal(stats.refreshRequests, 1); // one refresh attempt, rejected
      assert.equal(stats.authorizations, 1); // one new sign-in for everybody
      assert.equal(stats.registrations, 0); // with the client registration kept in the entry
      assert.equal(fs.readFileSync(browserLog, "utf8").split("\n").filter(Boolean).length, 2);
      const after = JSON.parse(fs.readFileSync(file, "utf8")).tokens.r;
      assert.notEqual(after.refresh_token, before.refresh_token);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

Deno.test({
  name: "mcp connect: 403 insufficient_scope steps up to the scopes the server asks for",
  ...opts,
  fn: async () => {
    const remote = await startRemote({ accessTtl: 60 });
    const { env, home } = await privateEnv();
    try {
      const c = await connectClient(["mcp", "connect", remote.mcp, "--service", "s"], env);
      try {
        assert.equal(await echo(c, "before"), "echo: before");
        const r = await c.client.callTool({ name: "admin", arguments: {} }) as {
          content: { text: string }[];
        };
        assert.equal(r.content[0].text, "admin ok");
        assert.equal(await echo(c, "after"), "echo: after");
      } finally {
        await c.close();
      }
      const stats = await remote.stats();
      assert.equal(stats.insufficientScope, 1);
      assert.equal(stats.authorizations, 2); // the first sign-in, then the step-up
      const file = join(home, "credkit", "credentials.json");
      const entry = JSON.parse(fs.readFileSync(file, "utf8")).tokens.s;
      assert.deepEqual(entry.scopes.split(" ").sort(), ["mcp:admin", "mcp:tools"]);
    } finally {
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

const keychain = await keychainAvailability();

Deno.test({
  name:
    "mcp connect: tokens go to the keychain by default; auth status lists them, logout ends them",
  ignore: !keychain.available && !keychain.required,
  ...opts,
  fn: async () => {
    if (!keychain.available) throw new Error(`a keychain is required: ${keychain.reason}`);
    const remote = await startRemote({ accessTtl: 60 });
    const { env, home } = await privateEnv();
    delete env.CREDKIT_STORE;
    const service = `mcp-kc-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const c = await connectClient(["mcp", "connect", remote.mcp, "--service", service], env);
      try {
        assert.equal(await echo(c, "kc"), "echo: kc");
      } finally {
        await c.close();
      }
      const status = await credkit(env, ["auth", "status", "--json"]);
      assert.equal(status.code, 0, status.err);
      const record = JSON.parse(status.out).services.find((s: { service: string }) =>
        s.service === service
      );
      assert.equal(record.store, "keychain");
      assert.equal(record.refreshable, true);
      // Nothing in a file: the keychain holds the entry.
      const file = join(home, "credkit", "credentials.json");
      const fileText = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      assert.ok(!fileText.includes(service));
      assertNoSecrets(status.out + c.stderr(), []);
      assert.equal((await remote.stats()).authorizations, 1);
      const logout = await credkit(env, ["auth", "logout", service]);
      assert.equal(logout.code, 0, logout.err);
      const gone = await credkit(env, ["auth", "status", "--json"]);
      assert.ok(!gone.out.includes(service));
    } finally {
      await credkit(env, ["auth", "logout", service]);
      await remote.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});
