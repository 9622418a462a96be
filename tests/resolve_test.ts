import assert from "node:assert/strict";
import { BUILTIN_SERVICES } from "../src/catalog.ts";
import { CredkitError } from "../src/errors.ts";
import { missingVariables, resolveServices, secretValues, toEnvironment } from "../src/resolve.ts";
import type { SecretBackend } from "../src/store/backend.ts";
import { MemoryBackend } from "../src/store/memory.ts";

const fakeToken = () => `ghp_fake_${crypto.randomUUID().replaceAll("-", "")}`;

Deno.test("resolve: environment wins over the keychain, the keychain over the file", async () => {
  const inEnv = fakeToken();
  const inKeychain = fakeToken();
  const keychain = new MemoryBackend({
    name: "keychain",
    entries: {
      aws: { access_key_id: "AKIA_KC", region: "eu-west-1" },
      github: { token: inKeychain },
    },
  });
  const file = new MemoryBackend({
    name: "file",
    entries: { aws: { access_key_id: "AKIA_FILE", secret_access_key: "file-secret" } },
  });
  const r = await resolveServices([BUILTIN_SERVICES.aws, BUILTIN_SERVICES.github], {
    env: { GITHUB_TOKEN: inEnv },
    stores: [keychain, file],
  });
  assert.deepEqual(
    [r.github.token.value, r.github.token.source],
    [inEnv, "env"],
  );
  assert.deepEqual([r.aws.access_key_id.value, r.aws.access_key_id.source], [
    "AKIA_KC",
    "keychain",
  ]);
  assert.deepEqual([r.aws.secret_access_key.source], ["file"]);
  assert.deepEqual([r.aws.region.value, r.aws.region.source], ["eu-west-1", "keychain"]);
});

Deno.test("resolve: a variable set to the empty string still wins", async () => {
  const keychain = new MemoryBackend({ name: "keychain", entries: { github: { token: "t" } } });
  const r = await resolveServices([BUILTIN_SERVICES.github], {
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: "" },
    stores: [keychain],
  });
  assert.equal(r.github.token.value, "");
  assert.equal(r.github.token.source, "env");
});

Deno.test("resolve: defaults apply last, missing fields have no source", async () => {
  const r = await resolveServices([BUILTIN_SERVICES.aws], { env: {}, stores: [] });
  assert.deepEqual([r.aws.region.value, r.aws.region.source], ["us-east-1", "default"]);
  assert.deepEqual([r.aws.access_key_id.value, r.aws.access_key_id.source], [undefined, null]);
  assert.deepEqual(missingVariables(r), ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]);
});

Deno.test("resolve: every variable of a field is provided, secrets listed once", async () => {
  const token = fakeToken();
  const file = new MemoryBackend({ name: "file", entries: { huggingface: { token } } });
  const r = await resolveServices([BUILTIN_SERVICES.huggingface, BUILTIN_SERVICES.github], {
    env: { GITHUB_TOKEN: token },
    stores: [file],
  });
  const env = toEnvironment(r);
  assert.equal(env.HUGGINGFACE_TOKEN, token);
  assert.equal(env.HF_TOKEN, token);
  assert.equal(env.GITHUB_PERSONAL_ACCESS_TOKEN, token);
  assert.equal("HF_TEST_REPO" in env, false);
  assert.deepEqual(secretValues(r), [token]);
});

Deno.test("resolve: an unreachable keychain is reported and skipped; a broken file store fails", async () => {
  const broken = (name: "keychain" | "file"): SecretBackend => ({
    name,
    get: () => Promise.reject(new CredkitError("store_unavailable", `Cannot read ${name}`, "down")),
    list: () => Promise.resolve([]),
    set: () => Promise.resolve(),
    remove: () => Promise.resolve(false),
  });
  const file = new MemoryBackend({ name: "file", entries: { storacha: { token: "w3-file" } } });
  const reported: string[] = [];
  const r = await resolveServices([BUILTIN_SERVICES.storacha], {
    env: {},
    stores: [broken("keychain"), file],
    onStoreError: (store) => reported.push(store.name),
  });
  assert.deepEqual(reported, ["keychain"]);
  assert.equal(r.storacha.token.source, "file");
  await assert.rejects(
    resolveServices([BUILTIN_SERVICES.storacha], {
      env: {},
      stores: [broken("file")],
      onStoreError: () => {},
    }),
    (err) => err instanceof CredkitError && err.kind === "store_unavailable",
  );
});

Deno.test("resolve: an AuthStore token fills the secret field of a service with auth", async () => {
  const service = {
    name: "myapi",
    fields: {
      token: { env: ["MYAPI_TOKEN"], secret: true },
      url: { env: ["MYAPI_URL"], secret: false, default: "https://api.example.com" },
    },
    auth: { type: "oauth2" },
  } as unknown as typeof BUILTIN_SERVICES.github;
  const access = fakeToken();
  let asked = 0;
  const r = await resolveServices([service], {
    env: {},
    stores: [],
    authToken: () => {
      asked++;
      return Promise.resolve(access);
    },
  });
  assert.deepEqual([r.myapi.token.value, r.myapi.token.source], [access, "auth"]);
  assert.equal(r.myapi.url.source, "default");
  assert.equal(asked, 1);
});
