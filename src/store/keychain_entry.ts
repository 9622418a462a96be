/**
 * How one credkit entry is kept in keychain items.
 *
 * An entry is a JSON object of its fields. Where it fits in one item it is
 * stored as that JSON text, as credkit always has. Where a keychain caps an
 * item (Windows Credential Manager: 2,560 bytes of UTF-16, 1,280 characters)
 * and the JSON is longer (a service with OAuth access and refresh tokens), it
 * is compressed (deflate), base64-encoded and split: the entry's own item
 * holds a header and the first chunk, `<entry>#1`, `<entry>#2`… the rest.
 *
 * ```
 * ck1:<parts>:<digest>:<chunk 0>      account <entry>
 * <chunk 1>                            account <entry>#1
 * ```
 *
 * `<digest>` (FNV-1a of the whole base64 text) tells a reader that raced a
 * writer that the chunks it got do not belong together. Readers understand
 * both forms everywhere, so entries written either way stay readable.
 *
 * @module
 */
import { CredkitError } from "../errors.ts";
import type { Fields } from "./backend.ts";

/** Windows Credential Manager's cap on one secret, in UTF-16 code units (2,560 bytes). */
export const WINDOWS_MAX_ITEM_CHARS = 1280;

const HEAD = /^ck1:(\d+):([0-9a-f]{8}):([A-Za-z0-9+/=]*)$/;

/**
 * The account of an entry's `index`-th continuation item.
 *
 * @example
 * ```ts
 * continuationAccount("supabase", 2); // "supabase#2"
 * ```
 */
export function continuationAccount(entry: string, index: number): string {
  return `${entry}#${index}`;
}

/**
 * Whether `account` names a continuation item of another entry among `accounts`.
 *
 * @example
 * ```ts
 * isContinuation("supabase#1", new Set(["supabase", "supabase#1"])); // true
 * ```
 */
export function isContinuation(account: string, accounts: ReadonlySet<string>): boolean {
  const m = /^(.*)#[1-9]\d*$/s.exec(account);
  return m !== null && accounts.has(m[1]);
}

/**
 * How many continuation items the head item `value` announces (0 for JSON).
 *
 * @example
 * ```ts
 * continuationCount('{"token":"x"}'); // 0
 * ```
 */
export function continuationCount(value: string): number {
  const m = HEAD.exec(value);
  return m ? Number(m[1]) - 1 : 0;
}

function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

async function transform(bytes: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const out = new Blob([bytes.slice()]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * The item values for an entry's JSON: `[json]` when it fits in
 * `maxChars` (or no cap is given), else the head and its continuations.
 *
 * @example
 * ```ts
 * const items = await encodeEntry(JSON.stringify(fields), WINDOWS_MAX_ITEM_CHARS);
 * // items[0] for <entry>, items[i] for <entry>#i
 * ```
 */
export async function encodeEntry(json: string, maxChars?: number): Promise<string[]> {
  if (maxChars === undefined || json.length <= maxChars) return [json];
  const packed = await transform(
    new TextEncoder().encode(json),
    new CompressionStream("deflate-raw"),
  );
  const payload = toBase64(packed);
  const digest = fnv1a(payload);
  for (let parts = 1;; parts++) {
    const head = `ck1:${parts}:${digest}:`;
    const first = maxChars - head.length;
    if (first <= 0) throw new Error(`a keychain item of ${maxChars} characters is too small`);
    if (first + (parts - 1) * maxChars < payload.length) continue;
    const items = [head + payload.slice(0, first)];
    for (let at = first; at < payload.length; at += maxChars) {
      items.push(payload.slice(at, at + maxChars));
    }
    if (items.length === parts) return items;
  }
}

/** The parts of a split entry do not belong together: a writer may have raced the read. */
export class TornEntryError extends CredkitError {
  /** The error for entry `entry`. */
  constructor(entry: string) {
    super(
      "store_unavailable",
      "Cannot read the keychain",
      `entry ${entry} in keychain is incomplete (its parts do not match)`,
      "write it again with credkit add, or remove it with credkit rm",
    );
  }
}

function corrupt(entry: string, why: string): CredkitError {
  return new CredkitError(
    "store_unavailable",
    "Cannot read the keychain",
    `entry ${entry} in keychain ${why}`,
    "remove or fix that keychain item, or use --store file",
  );
}

/**
 * The JSON text of an entry from its head item and continuation items (in
 * order). Throws a {@link TornEntryError} when the chunks do not belong
 * together, `store_unavailable` when they cannot be decompressed.
 *
 * @example
 * ```ts
 * await decodeEntry("github", '{"token":"x"}', []); // '{"token":"x"}'
 * ```
 */
export async function decodeEntry(
  entry: string,
  head: string,
  continuations: readonly (string | undefined)[],
): Promise<string> {
  const m = HEAD.exec(head);
  if (!m) return head;
  const payload = m[3] + continuations.join("");
  if (continuations.some((c) => c === undefined) || fnv1a(payload) !== m[2]) {
    throw new TornEntryError(entry);
  }
  try {
    const packed = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const raw = await transform(packed, new DecompressionStream("deflate-raw"));
    return new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw corrupt(entry, "cannot be decompressed");
  }
}

/**
 * An entry's fields from its JSON text: strings kept, numbers and booleans
 * as text, other values as JSON; anything but a JSON object is refused.
 *
 * @example
 * ```ts
 * fieldsFromJson("aws", '{"region":"x","port":1}'); // { region: "x", port: "1" }
 * ```
 */
export function fieldsFromJson(entry: string, password: string): Fields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(password);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw corrupt(entry, "is not credkit JSON");
  }
  const fields: Fields = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "string") fields[key] = value;
    else if (typeof value === "number" || typeof value === "boolean") fields[key] = String(value);
    else if (value !== null && value !== undefined) fields[key] = JSON.stringify(value);
  }
  return fields;
}
