/**
 * SHA-256 with the runtime's own native hasher, loaded the cheapest way:
 * `Bun.CryptoHasher` under Bun and in the compiled binary (where loading
 * `node:crypto` or warming up Web Crypto costs milliseconds of start-up), and
 * `node:crypto` elsewhere.
 *
 * @module
 */
import process from "node:process";

interface BunHasher {
  update(data: Uint8Array): BunHasher;
  digest(encoding: "hex"): string;
}
type BunGlobal = { CryptoHasher?: new (algorithm: string) => BunHasher };

/**
 * The SHA-256 of `data`, as 64 lower-case hex digits.
 *
 * @example
 * ```ts
 * sha256Hex(new TextEncoder().encode("abc")); // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */
export function sha256Hex(data: Uint8Array): string {
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  if (bun?.CryptoHasher) return new bun.CryptoHasher("sha256").update(data).digest("hex");
  return process.getBuiltinModule("node:crypto").createHash("sha256").update(data).digest("hex");
}
