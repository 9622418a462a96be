import assert from "node:assert/strict";
import { recordResponse, sendToolRequest } from "../../src/executor/response.ts";
import { CallError, pendingResult } from "../../src/executor/result.ts";
import { stringMasker } from "../../src/mask/policy.ts";
import { startTestApi } from "./_server.ts";

const LIMITS = { timeoutMs: 3000, maxBytes: 1 << 20 };

function request(url: string, method = "GET", body?: string) {
  const headers = new Headers({ authorization: "Bearer tok-resp-0123456789" });
  if (body !== undefined) headers.set("content-type", "application/json");
  return { method, url: new URL(url), headers, body };
}

async function callError(p: Promise<unknown>): Promise<CallError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CallError, String(err));
    return err;
  }
  assert.fail("expected a CallError");
}

Deno.test("sendToolRequest against a local API", async (t) => {
  const api = await startTestApi();
  try {
    await t.step("reads the whole body and the status", async () => {
      const res = await sendToolRequest(fetch, request(`${api.base}/echo/a`), LIMITS);
      assert.equal(res.status, 200);
      assert.equal(res.ok, true);
      assert.equal(JSON.parse(res.text).path, "/echo/a");
    });

    await t.step(
      "a same-origin redirect is followed; a POST becomes a GET without body",
      async () => {
        api.requests.length = 0;
        const res = await sendToolRequest(
          fetch,
          request(`${api.base}/redirect?to=/echo/after`, "POST", "{}"),
          LIMITS,
        );
        assert.equal(res.status, 200);
        const echoed = JSON.parse(res.text);
        assert.equal(echoed.method, "GET");
        assert.equal(echoed.path, "/echo/after");
        assert.equal(echoed.body, "");
        assert.equal(echoed.headers["content-type"], undefined);
      },
    );

    await t.step("a redirect to another origin is refused", async () => {
      const err = await callError(
        sendToolRequest(
          fetch,
          request(`${api.base}/redirect?to=${encodeURIComponent("http://localhost:9/x")}`),
          LIMITS,
        ),
      );
      assert.equal(err.kind, "request_failed");
      assert.match(err.message, /not followed, so credentials stay with/);
    });

    await t.step("a body over the limit, a timeout and a refused connection fail", async () => {
      const big = await callError(
        sendToolRequest(fetch, request(`${api.base}/echo/x`), { ...LIMITS, maxBytes: 10 }),
      );
      assert.match(big.message, /larger than 10 bytes/);
      const slow = await callError(
        sendToolRequest(fetch, request(`${api.base}/slow`), { ...LIMITS, timeoutMs: 100 }),
      );
      assert.match(slow.message, /timed out after 100 ms/);
      const refused = await callError(
        sendToolRequest(fetch, request("http://127.0.0.1:9/x"), LIMITS),
      );
      assert.match(refused.message, /^request failed: /);
    });

    await t.step("recordResponse masks headers and body, drops set-cookie", async () => {
      const res = await sendToolRequest(fetch, request(`${api.base}/echo/x`), LIMITS);
      const result = pendingResult("t", null);
      recordResponse(result, res, stringMasker(["tok-resp-0123456789"]));
      assert.equal(result.status, 200);
      assert.equal(result.headers["set-cookie"], undefined);
      assert.equal(result.headers["x-echo"], "Bearer ****");
      const data = result.data as { headers: Record<string, string> };
      assert.equal(data.headers.authorization, "Bearer ****");
      assert.ok(!JSON.stringify(result).includes("tok-resp-0123456789"));
    });
  } finally {
    await api.close();
  }
});
