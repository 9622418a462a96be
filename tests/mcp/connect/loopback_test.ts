import assert from "node:assert/strict";
import { listenLoopback } from "../../../src/mcp/connect/loopback.ts";

Deno.test("listenLoopback: 127.0.0.1, a random port, only the expected state is accepted", async () => {
  const cb = await listenLoopback(0);
  try {
    assert.match(cb.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const code = cb.waitForCode("good-state", 10000);
    const wrong = await fetch(`${cb.redirectUri}?code=x&state=other`);
    assert.equal(wrong.status, 400);
    await wrong.body?.cancel();
    const right = await fetch(`${cb.redirectUri}?code=the-code&state=good-state`);
    assert.equal(right.status, 200);
    await right.body?.cancel();
    assert.equal(await code, "the-code");
  } finally {
    cb.close();
  }
});

Deno.test("listenLoopback: an error answer rejects", async () => {
  const cb = await listenLoopback(0);
  try {
    const rejected = assert.rejects(cb.waitForCode("s", 10000), /access_denied/);
    const res = await fetch(`${cb.redirectUri}?error=access_denied&state=s`);
    await res.body?.cancel();
    await rejected;
  } finally {
    cb.close();
  }
});
