import assert from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import { parseToolManifest } from "../../src/executor/manifest.ts";
import { buildToolRequest } from "../../src/executor/request.ts";
import { CallError } from "../../src/executor/result.ts";

const config = parseConfig({
  services: {
    myapi: {
      fields: { url: { env: ["MYAPI_URL"] }, key: { env: ["MYAPI_KEY"], secret: true } },
    },
  },
}, "credkit.json");
const KEY = "key-" + "req-0123456789";
const ENV = { MYAPI_URL: "https://api.example.com", MYAPI_KEY: KEY };

function tool(config_: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseToolManifest(
    {
      id: "t",
      type: "http",
      description: "t",
      auth: { service: "myapi" },
      params: { id: { type: "string" }, limit: { type: "integer" }, note: { type: "string" } },
      config: config_,
      ...extra,
    },
    "t.json",
    config.services,
  );
}

function callError(fn: () => unknown): CallError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CallError, String(err));
    return err;
  }
  assert.fail("expected a CallError");
}

Deno.test("buildToolRequest: URL, query, headers, token and JSON body", () => {
  const t = tool({
    method: "POST",
    url: "${MYAPI_URL}/items/{id}",
    query: { limit: "{limit}", note: "{note}", fixed: "1" },
    headers: { apikey: "${MYAPI_KEY}" },
    body: { id: "{id}", limit: "{limit}", note: "{note}" },
  });
  const req = buildToolRequest(t, { id: "a/b", limit: 5 }, ENV, "tok-1");
  assert.equal(req.method, "POST");
  assert.equal(req.url.href, "https://api.example.com/items/a%2Fb?limit=5&fixed=1");
  assert.equal(req.headers.get("apikey"), KEY);
  assert.equal(req.headers.get("authorization"), "Bearer tok-1");
  assert.equal(req.headers.get("content-type"), "application/json");
  assert.equal(req.headers.get("accept"), "application/json, text/plain;q=0.9, */*;q=0.5");
  assert.deepEqual(JSON.parse(req.body!), { id: "a/b", limit: 5 });
});

Deno.test("buildToolRequest: no token, no auth header; a text body is text/plain; no body, none", () => {
  const text = tool({ method: "POST", url: "${MYAPI_URL}/x", body: "note: {note}" });
  const req = buildToolRequest(text, { note: "hi" }, ENV, undefined);
  assert.equal(req.headers.has("authorization"), false);
  assert.equal(req.body, "note: hi");
  assert.equal(req.headers.get("content-type"), "text/plain; charset=utf-8");
  const get = buildToolRequest(tool({ url: "${MYAPI_URL}/x" }), {}, ENV, undefined);
  assert.equal(get.method, "GET");
  assert.equal(get.body, undefined);
  assert.equal(get.headers.has("content-type"), false);
});

Deno.test("buildToolRequest refuses what would send credentials elsewhere", () => {
  const dots = callError(() =>
    buildToolRequest(tool({ url: "${MYAPI_URL}/items/{id}" }), { id: ".." }, ENV, "tok")
  );
  assert.equal(dots.kind, "invalid_params");
  const host = callError(() =>
    buildToolRequest(tool({ url: "${MYAPI_URL}{id}/x" }), { id: ".evil.com" }, ENV, "tok")
  );
  assert.equal(host.kind, "invalid_params");
  assert.match(host.message, /host would depend on a parameter/);
  const header = callError(() =>
    buildToolRequest(
      tool({ url: "${MYAPI_URL}/x", headers: { "x-note": "{note}" } }),
      { note: "a\r\nx-injected: 1" },
      ENV,
      "tok",
    )
  );
  assert.equal(header.kind, "invalid_params");
  const plain = callError(() =>
    buildToolRequest(
      tool({ url: "${MYAPI_URL}/x" }),
      {},
      { ...ENV, MYAPI_URL: "http://api.example.com" },
      "tok",
    )
  );
  assert.equal(plain.kind, "request_failed");
  const protocol = callError(() =>
    buildToolRequest(tool({ url: "${MYAPI_URL}/x" }), {}, { ...ENV, MYAPI_URL: "ftp://h" }, "tok")
  );
  assert.match(protocol.message, /unsupported protocol ftp:/);
  const invalid = callError(() =>
    buildToolRequest(tool({ url: "${MYAPI_URL}/x" }), {}, { ...ENV, MYAPI_URL: "" }, undefined)
  );
  assert.match(invalid.message, /does not expand to a valid URL/);
});
