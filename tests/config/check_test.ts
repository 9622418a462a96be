/**
 * The fast check accepts exactly what the zod schema accepts, with the same
 * result: on generated near-valid configs, whenever it answers, zod agrees.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { fastCheck } from "../../src/config/check.ts";
import { configSchema } from "../../src/config/schema.ts";
import { parseConfig } from "../../src/config.ts";

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
/** A value that is usually right, sometimes of the wrong kind. */
const maybe = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 1, arbitrary: pick<unknown>(null, 1, -1, 0, 1.5, "", "x", true, [], {}, ["a"]) },
  );
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const strs = fc.array(maybe(fc.string({ maxLength: 6 })), { maxLength: 3 });
const names = pick("api", "my-api", "x_1", "Bad", "_x", "", "__proto__", "github", "9z");
const envs = fc.array(maybe(pick("MYAPI_TOKEN", "X", "_A1", "1BAD", "a-b", "")), { maxLength: 3 });
const urls = pick(
  "https://auth.example.com/token",
  "http://127.0.0.1:8/h",
  " https://a.example/x",
  "https://a.exa\tmple/x",
  "not a url",
  "mailto:x@y",
  "",
  "http:/x",
);
const ints = pick(0, 1, 5, -1, 1.5, 2 ** 53, 15000);

/** An object with optional keys, an occasional unknown key. */
function record(shape: Record<string, fc.Arbitrary<unknown>>) {
  return fc.tuple(fc.record(shape, { requiredKeys: [] }), fc.nat(9)).map(([o, dice]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
    if (dice === 0) out.surprise = 1;
    return out;
  });
}

const field = record({
  env: maybe(envs),
  secret: maybe(fc.boolean()),
  default: maybe(fc.string()),
});
const auth = fc.oneof(
  record({
    type: pick("oauth2", "supabase", "other"),
    tokenEndpoint: maybe(urls),
    deviceAuthorizationEndpoint: opt(maybe(urls)),
    clientId: maybe(pick("c", "")),
    clientSecret: opt(maybe(fc.string())),
    scopes: opt(maybe(strs)),
    refreshMarginSeconds: opt(maybe(ints)),
  }),
  record({ type: pick("supabase"), refreshMarginSeconds: opt(maybe(ints)) }),
);
const service = record({
  description: maybe(fc.string()),
  fields: maybe(
    fc.dictionary(pick("token", "url", "Bad", "a_1", ""), maybe(field), { maxKeys: 3 }),
  ),
  auth: maybe(auth),
});
const server = record({
  command: maybe(pick("node", "")),
  args: maybe(strs),
  cwd: maybe(fc.string()),
  services: maybe(fc.array(maybe(names), { maxLength: 2 })),
  ready: maybe(record({ url: maybe(urls), logLine: maybe(fc.string()), timeoutMs: maybe(ints) })),
  restart: maybe(
    record({ maxRestarts: maybe(ints), backoffMs: maybe(ints), maxBackoffMs: maybe(ints) }),
  ),
  stopTimeoutMs: maybe(ints),
});
const backend = record({
  services: maybe(fc.array(maybe(names), { maxLength: 2 })),
  command: maybe(strs),
  cwd: maybe(fc.string()),
  timeoutMs: maybe(ints),
});
const config = record({
  $schema: maybe(fc.string()),
  services: maybe(fc.dictionary(names, maybe(service), { maxKeys: 2 })),
  servers: maybe(fc.dictionary(pick("web", "", "a b"), maybe(server), { maxKeys: 2 })),
  backends: maybe(fc.dictionary(pick("hf", ""), maybe(backend), { maxKeys: 2 })),
});

Deno.test("the fast check never accepts what zod refuses, and returns what zod returns", () => {
  let accepted = 0;
  let total = 0;
  fc.assert(
    fc.property(config, (data) => {
      // Round trip through JSON: the check only ever sees parsed JSON.
      const json = JSON.parse(JSON.stringify(data));
      const fast = fastCheck(json);
      const zod = configSchema.safeParse(json);
      total++;
      if (fast !== undefined) {
        accepted++;
        assert.ok(zod.success, `fast check accepted what zod refuses: ${JSON.stringify(json)}`);
        assert.deepStrictEqual(fast, zod.data);
      }
    }),
    { numRuns: 3000 },
  );
  // The generator must exercise both sides, or the comparison proves nothing.
  assert.ok(accepted > total / 20, `only ${accepted} of ${total} generated configs were valid`);
  assert.ok(accepted < total, "no invalid config was generated");
});

Deno.test("valid files pass the fast check; invalid ones get zod's precise message", () => {
  const valid = {
    services: { myapi: { fields: { token: { env: ["MYAPI_TOKEN"], secret: true } } } },
    servers: { web: { command: "node", ready: { url: "http://127.0.0.1:1/h" } } },
    backends: { hf: { command: ["node", "t.mjs"] } },
  };
  const fast = fastCheck(valid);
  assert.ok(fast, "a valid file needs no schema library");
  assert.equal(fast.servers.web.restart.maxBackoffMs, 30000);
  assert.equal(fast.servers.web.ready?.timeoutMs, 15000);
  assert.equal(fastCheck({ services: { myapi: { fields: { t: { env: "X" } } } } }), undefined);
  assert.throws(
    () => parseConfig({ services: { myapi: { fields: { t: { env: "X" } } } } }, "/p/credkit.json"),
    /Invalid config \/p\/credkit\.json: services\.myapi\.fields\.t\.env: /,
  );
  assert.throws(
    () => parseConfig({ servers: { web: { command: "node", stopTimeoutMs: 0 } } }, "/p/c.json"),
    /servers\.web\.stopTimeoutMs: /,
  );
});
