import assert from "node:assert/strict";
import { parseAuthOptions } from "../../src/cli/auth.ts";
import type { ParsedArgs } from "../../src/cli/context.ts";
import { CredkitError } from "../../src/errors.ts";

const args = (positionals: string[], values: ParsedArgs["values"] = {}): ParsedArgs => ({
  positionals,
  values,
  rest: [],
});
const usage = (err: unknown) => err instanceof CredkitError && err.exitCode === 2;

Deno.test("auth options: signin flags parsed once, scopes split and deduplicated", () => {
  assert.deepEqual(
    parseAuthOptions(args(["signin", "supabase"], {
      email: "me@example.com",
      "password-stdin": true,
      scope: ["read write", "read,admin"],
      account: "me",
    })),
    {
      sub: "signin",
      service: "supabase",
      email: "me@example.com",
      passwordStdin: true,
      tokenStdin: false,
      device: false,
      scopes: ["read", "write", "admin"],
      account: "me",
    },
  );
  const bare = parseAuthOptions(args(["login", "github"], { "token-stdin": true }));
  assert.equal(bare.sub, "signin");
  if (bare.sub !== "signin") return;
  assert.equal(bare.tokenStdin, true);
  assert.equal(bare.scopes, undefined);
  assert.equal(bare.email, undefined);
});

Deno.test("auth options: status, logout (and signout), token with its first scope", () => {
  assert.deepEqual(parseAuthOptions(args(["status"])), { sub: "status", service: undefined });
  assert.deepEqual(parseAuthOptions(args(["status", "github"])), {
    sub: "status",
    service: "github",
  });
  assert.deepEqual(parseAuthOptions(args(["signout", "github"])), {
    sub: "logout",
    service: "github",
  });
  assert.deepEqual(parseAuthOptions(args(["token", "github"], { scope: ["a", "b"] })), {
    sub: "token",
    service: "github",
    scope: "a",
  });
  assert.deepEqual(parseAuthOptions(args(["token", "github"])), {
    sub: "token",
    service: "github",
    scope: undefined,
  });
});

Deno.test("auth options: a missing or unknown subcommand is a usage error (exit 2)", () => {
  assert.throws(() => parseAuthOptions(args([])), usage);
  assert.throws(
    () => parseAuthOptions(args(["refresh", "github"])),
    /unknown subcommand "refresh"/,
  );
});
