import assert from "node:assert/strict";
import {
  isPlainValue,
  isReference,
  isSecret,
  isSecretName,
  looksLikeSecret,
  urlSecretParts,
} from "../../../src/mcp/import/secrets.ts";
import { fakeChars, fakeToken } from "./_fake.ts";

Deno.test("token shapes are secrets whatever their name", () => {
  const shapes = [
    fakeToken("ghp_", 36),
    fakeToken("github_pat_", 60),
    fakeToken("gho_", 36),
    fakeToken("ghs_", 36),
    fakeToken("xoxb-", 40),
    fakeToken("xoxp-", 40),
    fakeToken("sk-", 40),
    fakeToken("sk-ant-", 60),
    "AKIA" + fakeChars(16).toUpperCase(),
    "ASIA" + fakeChars(16).toUpperCase(),
    fakeToken("hf_", 34),
    fakeToken("glpat-", 20),
    fakeToken("tvly-", 32),
    `eyJ${fakeChars(20)}.eyJ${fakeChars(30)}.${fakeChars(40)}`,
    fakeChars(40), // long, high entropy
  ];
  for (const s of shapes) {
    assert.equal(looksLikeSecret(s), true, `shape of ${s.slice(0, 6)}…`);
    assert.equal(isSecret("SOMETHING", s), true);
  }
});

Deno.test("names say secret, but never for a boolean, a number, a path, a plain URL or a reference", () => {
  assert.equal(isSecret("TOKENIZERS_PARALLELISM", "false"), false);
  assert.equal(isSecret("OPENAI_MAX_TOKENS", "4096"), false);
  assert.equal(isSecret("MAX_TOKENS", "8192"), false);
  assert.equal(isSecret("API_TOKEN", "true"), false);
  assert.equal(isSecret("GOOGLE_APPLICATION_CREDENTIALS", "/home/me/adc.json"), false);
  assert.equal(
    isSecret("GOOGLE_APPLICATION_CREDENTIALS", "${HOME}/.config/gcloud/adc.json"),
    false,
  );
  assert.equal(isSecret("KEY_FILE", "C:\\Users\\me\\key.pem"), false);
  assert.equal(isSecret("AUTH_URL", "https://auth.example.com/token"), false);
  assert.equal(isSecret("API_KEY", "${input:api-key}"), false);
  assert.equal(isSecret("API_KEY", "${env:MY_KEY}"), false);
  assert.equal(isSecret("API_KEY", "${MY_KEY:-x}"), false);
  assert.equal(isSecret("API_KEY", ""), false);
  assert.equal(isSecret("API_KEY", false), false);
  assert.equal(isSecret("API_KEY", 12), false);
  // Names that do say so.
  assert.equal(isSecret("BRAVE_API_KEY", "BSAbrave-not-a-known-shape"), true);
  assert.equal(isSecret("DB_PASSWORD", "hunter2"), true);
  assert.equal(isSecret("MY_PAT", "abc.def"), true);
  assert.equal(isSecret("DATABASE_URL", "postgresql://app:pw@db:5432/app"), true);
  // Catalog knowledge: a public field stays unless its shape says otherwise.
  assert.equal(isSecret("SUPABASE_ANON_KEY", "public-anon-key", false), false);
  // Not secrets by name.
  for (const n of ["PATH", "LOG_LEVEL", "GITHUB_API_URL", "CLIENT_ID", "TOKENIZERS_PARALLELISM"]) {
    assert.equal(isSecretName(n), false, n);
  }
  for (
    const n of ["api-key", "apiKey", "X-API-Key", "Authorization", "GITLAB_TOKEN", "client_secret"]
  ) {
    assert.equal(isSecretName(n), true, n);
  }
  assert.equal(looksLikeSecret("Generated 4096 tokens"), false);
  for (
    const v of [
      "meta-llama/Llama-3.1-8B-Instruct",
      "mcp-server-filesystem-v2024",
      "gpt-4o-mini-2024-07-18",
    ]
  ) {
    assert.equal(looksLikeSecret(v), false, v);
  }
  // Weak names (KEY, CREDENTIALS, AUTH) need a value that looks like one.
  assert.equal(isSecret("AUTH", "oauth"), false);
  assert.equal(isSecret("SORT_KEY", "name"), false);
  assert.equal(isSecret("SESSION_NAME", "dev-session"), false);
  assert.equal(isSecret("OPENAI_KEY", "k3y-" + fakeChars(10)), true);
  assert.equal(looksLikeSecret("123e4567-e89b-12d3-a456-426614174000"), false);
});

Deno.test("references, plain values and URL parts", () => {
  assert.equal(isReference("${workspaceFolder}/x"), true);
  assert.equal(isReference("${userHome}"), true);
  assert.equal(isReference("$HOME"), false);
  for (const v of ["false", "4096", "1.5", "/usr/bin", "~/x", "./x", "https://api.github.com"]) {
    assert.equal(isPlainValue(v), true, v);
  }
  const pw = fakeChars(12);
  const parts = urlSecretParts(`postgresql://app:${pw}@db:5432/app?sslmode=require`);
  assert.equal(parts.length, 1);
  assert.equal(parts[0].place, "password");
  assert.equal(parts[0].value, pw);
  const key = fakeChars(24);
  const q = urlSecretParts(`https://mcp.example.com/mcp?tavilyApiKey=${key}&v=2&debug=true`);
  assert.deepEqual(q.map((p) => [p.place, p.value]), [["query:tavilyApiKey", key]]);
  assert.deepEqual(urlSecretParts("postgresql://app@db/x?user=${DB_USER}"), []);
  assert.deepEqual(urlSecretParts("postgresql://app:${DB_PW}@db/x"), []);
});
