/**
 * Tests of the web-stream relay (the one `run` uses under Bun): bytes pass
 * through the transform in order, a full destination stops the reading, a
 * broken destination hands the source to the broken-pipe policy and still
 * drains it, and a source held open after the child exited is not waited for.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { relayStream } from "../../src/process/relay_stream.ts";
import type { BrokenPipePolicy, ChunkTransform } from "../../src/process/relay.ts";
import { StreamMasker } from "../../src/mask/stream_masker.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A source that yields `chunks`, then ends (or stays open when `hold`). */
function source(chunks: string[], hold = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]));
      else if (!hold) controller.close();
      else return new Promise(() => {}); // open and silent
    },
  }, { highWaterMark: 0 });
}

/** A destination collecting what it gets. */
function sink(opts: { highWaterMark?: number; delayMs?: number; fail?: boolean } = {}) {
  const got: Uint8Array[] = [];
  const dst = new Writable({
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: Uint8Array, _enc, callback) {
      if (opts.fail) {
        const err = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
        return callback(err);
      }
      got.push(new Uint8Array(chunk));
      if (opts.delayMs) setTimeout(() => callback(), opts.delayMs);
      else callback();
    },
  });
  return { dst, text: () => got.map((c) => decoder.decode(c)).join("") };
}

const keepReading: BrokenPipePolicy = () => undefined;

Deno.test("relayStream: every byte, in order, masked across chunk boundaries", async () => {
  const secret = "hf_" + crypto.randomUUID().replaceAll("-", "");
  const text = `a ${secret} b ${secret.slice(0, 7)}`;
  const chunks = [text, `${secret.slice(7)} c\n`, "tail without newline"];
  const { dst, text: out } = sink();
  await relayStream(
    source(chunks),
    new StreamMasker([secret]),
    dst,
    Promise.resolve(),
    keepReading,
  );
  assert.equal(out(), "a **** b **** c\ntail without newline");
  assert.ok(!out().includes(secret));
});

Deno.test("relayStream: without a transform the bytes are passed as they are", async () => {
  const { dst, text } = sink();
  await relayStream(source(["one ", "two ", "three"]), null, dst, Promise.resolve(), keepReading);
  assert.equal(text(), "one two three");
});

Deno.test("relayStream: a full destination stops the reading until it drains", async () => {
  let pulled = 0;
  const chunk = "x".repeat(1024);
  const src = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled++ < 64) controller.enqueue(encoder.encode(chunk));
      else controller.close();
    },
  }, { highWaterMark: 0 });
  let written = 0;
  let maxAhead = 0;
  const dst = new Writable({
    highWaterMark: 2048,
    write(_chunk: Uint8Array, _enc, callback) {
      written++;
      setTimeout(() => callback(), 2);
    },
  });
  const watch = setInterval(() => (maxAhead = Math.max(maxAhead, pulled - written)), 1);
  await relayStream(src, null, dst, Promise.resolve(), keepReading);
  clearInterval(watch);
  maxAhead = Math.max(maxAhead, pulled - written);
  assert.equal(written, 64);
  // Reading runs at most a few chunks ahead of what the destination took.
  assert.ok(maxAhead <= 4, `read ${maxAhead} chunks ahead of the destination`);
});

Deno.test("relayStream: a broken destination goes to the policy, the source keeps draining", async () => {
  let policyCalls = 0;
  const afterBreak: Uint8Array[] = [];
  let closed = false;
  const policy: BrokenPipePolicy = (src) => {
    policyCalls++;
    return (chunk) => {
      afterBreak.push(chunk);
      if (afterBreak.length === 2) {
        src.destroy();
        closed = true;
      }
    };
  };
  const chunks = Array.from({ length: 10 }, (_, i) => `chunk ${i}\n`);
  const { dst } = sink({ fail: true });
  await relayStream(source(chunks), null, dst, Promise.resolve(), policy);
  // Let the pump see the chunks that follow the break.
  for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(policyCalls, 1);
  assert.equal(afterBreak.length, 2);
  assert.ok(closed);
});

Deno.test("relayStream: a source held open after the child exited is no longer waited for", async () => {
  const { dst, text } = sink();
  const transform: ChunkTransform = new StreamMasker(["never-there-secret"]);
  await relayStream(source(["last words\n"], true), transform, dst, Promise.resolve(), keepReading);
  assert.equal(text(), "last words\n");
});
