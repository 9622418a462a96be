import assert from "node:assert/strict";
import { rewriteArgs } from "../../../src/mcp/import/args.ts";
import { fillArgSecrets, splitEnvPlaceholders } from "../../../src/arg_secrets.ts";
import { fakeChars, fakeToken } from "./_fake.ts";

Deno.test("secrets in args become placeholders; filled back, the argv is the same", () => {
  const pw = fakeChars(14);
  const key = fakeToken("sk-", 40);
  const gh = fakeToken("ghp_", 36);
  const token = fakeChars(30);
  const args = [
    "-y",
    "@modelcontextprotocol/server-postgres",
    `postgresql://app:${pw}@db.internal:5432/app?sslmode=require`,
    `--api-key=${key}`,
    "--token",
    token,
    "run",
    "-e",
    `GITHUB_PERSONAL_ACCESS_TOKEN=${gh}`,
    "--max-tokens",
    "4096",
    "--verbose=false",
    "${HOME}/data",
    "TOKENIZERS_PARALLELISM=false",
  ];
  const taken = new Set<string>(["GITHUB_PERSONAL_ACCESS_TOKEN"]);
  const r = rewriteArgs(args, taken);
  const text = JSON.stringify(r.args);
  for (const s of [pw, key, gh, token]) assert.equal(text.includes(s), false);
  assert.deepEqual(r.moved.map((m) => m.place), [
    "args[2] (URL password)",
    "args[3]",
    "args[5]",
    "args[8]",
  ]);
  assert.equal(
    r.args[2],
    "postgresql://app:{{credkit:MCP_ARG_URL_PASSWORD}}@db.internal:5432/app?sslmode=require",
  );
  assert.equal(r.args[3], "--api-key={{credkit:MCP_ARG_API_KEY}}");
  assert.equal(
    r.args[8],
    "GITHUB_PERSONAL_ACCESS_TOKEN={{credkit:MCP_ARG_GITHUB_PERSONAL_ACCESS_TOKEN}}",
  );
  assert.deepEqual(r.args.slice(9), args.slice(9));
  const credentials = Object.fromEntries(r.moved.map((m) => [m.variable, m.value]));
  const filled = fillArgSecrets(r.args as string[], credentials, { ...credentials, PATH: "/bin" }, {
    PATH: "/bin",
  });
  assert.deepEqual(filled.args, args);
  assert.deepEqual(filled.env, { PATH: "/bin" });
});

Deno.test("fillArgSecrets: a missing variable is exit 3 naming it; a variable already in credkit's env stays", () => {
  assert.throws(
    () => fillArgSecrets(["--k={{credkit:GONE}}"], {}, {}, {}),
    (e: Error & { kind?: string }) => /GONE/.test(e.message) && e.kind === "missing",
  );
  const r = fillArgSecrets(["x={{credkit:K}}"], { K: "v" }, { K: "v" }, { K: "v" });
  assert.deepEqual(r, { args: ["x=v"], env: { K: "v" } });
});

Deno.test("splitEnvPlaceholders: a variable set to its own placeholder is resolved from the stores", () => {
  const split = splitEnvPlaceholders({
    GITHUB_TOKEN: "{{credkit:GITHUB_TOKEN}}",
    OTHER: "{{credkit:GITHUB_TOKEN}}",
    PATH: "/bin",
  });
  assert.deepEqual(split, {
    env: { OTHER: "{{credkit:GITHUB_TOKEN}}", PATH: "/bin" },
    names: ["GITHUB_TOKEN"],
  });
  assert.throws(
    () => fillArgSecrets([], {}, {}, split.env, split.names),
    (e: Error) => /GITHUB_TOKEN/.test(e.message),
  );
});
