/**
 * Throughput of the output maskers: pushes MB of log-like text in 64 KiB
 * chunks through {@link StreamMasker} (and JSON lines through
 * {@link McpRelay}) with 5 secrets of 20–40 chars, and prints MB/s (time
 * spent in `push`, best and median of 5 rounds; medians suffer most when the
 * machine is busy).
 *
 * Usage: `deno run -A bench/mask_throughput.ts [MB]` or
 * `bun bench/mask_throughput.ts [MB]` (default 200).
 *
 * @module
 */
import process from "node:process";
import { StreamMasker } from "../src/mask/stream_masker.ts";
import { McpRelay } from "../src/mask/mcp_relay.ts";

const CHUNK = 64 * 1024;
const TOTAL_MB = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200);
const TOTAL = TOTAL_MB * 1024 * 1024;

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const rand = rng(42);
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function token(length: number, alphabet = ALNUM): string {
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

const tokenSecrets = [
  "hf_" + token(17),
  "AKIA" + token(24),
  token(32),
  "ghp_" + token(32),
  "eyJ" + token(37),
];
// Secrets with quotes, backslashes and non-ASCII: three byte patterns each.
const oddSecrets = tokenSecrets.map((s, i) =>
  s.slice(0, 10) + ['"', "\\", "é", "€", "\n"][i] + s.slice(11)
);

const WORDS = (
  "the quick brown fox jumps over lazy dog GET POST /api/v1/items status=200 took ms " +
  "INFO WARN ERROR debug request id user token bucket region us-east-1 upload done " +
  '{ } [ ] : , = " 0 1 2 3 4 5 6 7 8 9 hf_ AKIA ghp_ eyJ'
).split(" ");

/** About 8 MiB of log-like text, with one secret occurrence every ~200 KiB. */
function corpus(secrets: string[], jsonLines: boolean, withSecrets = true): Uint8Array {
  const te = new TextEncoder();
  const out = new Uint8Array(8 * 1024 * 1024);
  let size = 0;
  let nextSecret = 200 * 1024;
  for (;;) {
    const words: string[] = [];
    const n = 4 + Math.floor(rand() * 20);
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]);
    if (withSecrets && size >= nextSecret) {
      words.push(secrets[Math.floor(rand() * secrets.length)]);
      nextSecret += 200 * 1024;
    }
    const text = words.join(" ");
    const line = te.encode(
      (jsonLines
        ? JSON.stringify({
          jsonrpc: "2.0",
          method: "notifications/message",
          params: { data: text },
        })
        : text) + "\n",
    );
    if (size + line.length > out.length) return out.subarray(0, size);
    out.set(line, size);
    size += line.length;
  }
}

const ROUNDS = 5;
const readBuffers = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];

/**
 * Pushes `bytes` bytes of `data` in CHUNK-sized pieces; returns MB/s over the
 * time spent inside `push`. Each piece is first copied into a read buffer, as
 * a pipe read would deliver it (the copy is not timed).
 */
function round(data: Uint8Array, bytes: number, push: (c: Uint8Array) => unknown): number {
  let done = 0;
  let off = 0;
  let ms = 0;
  while (done < bytes) {
    if (off + CHUNK > data.length) off = (off + 4099) % CHUNK;
    const chunk = readBuffers[(done / CHUNK) & 1];
    chunk.set(data.subarray(off, off + CHUNK));
    const t0 = performance.now();
    push(chunk);
    ms += performance.now() - t0;
    off += CHUNK;
    done += CHUNK;
  }
  return done / 1e6 / (ms / 1000);
}

function measure(label: string, data: Uint8Array, push: (c: Uint8Array) => unknown): void {
  round(data, 16 * CHUNK, push); // warm up
  const rounds = Array.from({ length: ROUNDS }, () => round(data, TOTAL / ROUNDS, push));
  rounds.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(0).padStart(5);
  console.log(
    `${label.padEnd(46)} MB/s best ${f(rounds[ROUNDS - 1])}, median ${f(rounds[ROUNDS >> 1])}`,
  );
}

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
console.log(
  `runtime ${runtime}, ${TOTAL_MB} MB per case in ${ROUNDS} rounds, ${
    CHUNK / 1024
  } KiB chunks, 5 secrets`,
);

const text = corpus(tokenSecrets, false);
const clean = corpus(tokenSecrets, false, false);
const oddText = corpus(oddSecrets, false);
const json = corpus(tokenSecrets, true);
const oddJson = corpus(oddSecrets, true);

const masker = new StreamMasker(tokenSecrets);
measure("StreamMasker.push, token secrets", text, (c) => masker.push(c));
const vMasker = new StreamMasker(tokenSecrets);
measure("StreamMasker.pushv, token secrets", text, (c) => vMasker.pushv(c)[0]);

const cleanMasker = new StreamMasker(tokenSecrets);
measure("StreamMasker.push, no secret in output", clean, (c) => cleanMasker.push(c));

const oddMasker = new StreamMasker(oddSecrets);
const oddLabel = "odd secrets";
measure(`StreamMasker.push, ${oddLabel}`, oddText, (c) => oddMasker.push(c));
const oddVMasker = new StreamMasker(oddSecrets);
measure(`StreamMasker.pushv, ${oddLabel}`, oddText, (c) => oddVMasker.pushv(c)[0]);

const relay = new McpRelay(tokenSecrets);
measure("McpRelay, JSON lines, token secrets", json, (c) => relay.push(c));
const oddRelay = new McpRelay(oddSecrets);
measure("McpRelay, JSON lines, odd secrets", oddJson, (c) => oddRelay.push(c));

// A 1600-char PEM key (each of its lines is masked on its own too) with two tokens.
const b64 = token(1600, ALNUM + "+/");
const pem = "-----BEGIN PRIVATE KEY-----\n" + b64.match(/.{1,64}/g)!.join("\n") +
  "\n-----END PRIVATE KEY-----";
const pemSecrets = [pem, tokenSecrets[0], tokenSecrets[3]];
const pemMasker = new StreamMasker(pemSecrets);
measure(
  "StreamMasker.pushv, a PEM key and 2 tokens",
  corpus(pemSecrets, false),
  (c) => pemMasker.pushv(c)[0],
);
