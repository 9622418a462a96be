import assert from "node:assert/strict";
import { decimalSeconds, formatDuration } from "../../src/supervise/duration.ts";

Deno.test("uptime: whole units, two at most", () => {
  assert.equal(formatDuration(0, "uptime"), "0s");
  assert.equal(formatDuration(45_999, "uptime"), "45s");
  assert.equal(formatDuration(185_000, "uptime"), "3m 5s");
  assert.equal(formatDuration((2 * 3600 + 10 * 60 + 7) * 1000, "uptime"), "2h 10m");
  assert.equal(formatDuration((28 * 3600) * 1000, "uptime"), "1d 4h");
});

Deno.test("seconds: one decimal, unit attached (test results)", () => {
  assert.equal(formatDuration(1234, "seconds"), "1.2s");
  assert.equal(formatDuration(0, "seconds"), "0.0s");
  assert.equal(formatDuration(65_000, "seconds"), "65.0s");
});

Deno.test("message: one decimal below ten seconds, whole seconds above", () => {
  assert.equal(formatDuration(1234, "message"), "1.2 s");
  assert.equal(formatDuration(9_999, "message"), "10.0 s");
  assert.equal(formatDuration(10_000, "message"), "10 s");
  assert.equal(formatDuration(15_600, "message"), "16 s");
});

Deno.test("decimalSeconds: JUnit's three decimals", () => {
  assert.equal(decimalSeconds(1200, 3), "1.200");
  assert.equal(decimalSeconds(0, 3), "0.000");
});
