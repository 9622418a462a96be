import assert from "node:assert/strict";
import { CredkitError } from "../../src/errors.ts";
import { parseTrustOptions } from "../../src/cli/trust.ts";

const args = (values: Record<string, string | boolean>, positionals: string[] = []) => ({
  values,
  positionals,
  rest: [],
});
const usage = (err: unknown) => err instanceof CredkitError && err.exitCode === 2;

Deno.test("trust options: PATH, --list or --revoke PATH, parsed once", () => {
  assert.deepEqual(parseTrustOptions(args({})), {
    path: undefined,
    list: false,
    revoke: undefined,
  });
  assert.deepEqual(parseTrustOptions(args({}, ["/p/credkit.json"])), {
    path: "/p/credkit.json",
    list: false,
    revoke: undefined,
  });
  assert.equal(parseTrustOptions(args({ list: true })).list, true);
  assert.equal(parseTrustOptions(args({ revoke: "/p" })).revoke, "/p");
});

Deno.test("trust options: combinations are usage errors (exit 2)", () => {
  assert.throws(() => parseTrustOptions(args({}, ["a", "b"])), usage);
  assert.throws(() => parseTrustOptions(args({ list: true }, ["a"])), usage);
  assert.throws(() => parseTrustOptions(args({ revoke: "a" }, ["b"])), usage);
  assert.throws(() => parseTrustOptions(args({ list: true, revoke: "a" })), /exclude each other/);
});
