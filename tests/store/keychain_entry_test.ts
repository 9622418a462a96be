import assert from "node:assert/strict";
import fc from "fast-check";
import { CredkitError } from "../../src/errors.ts";
import {
  continuationAccount,
  continuationCount,
  decodeEntry,
  encodeEntry,
  fieldsFromJson,
  isContinuation,
  TornEntryError,
  WINDOWS_MAX_ITEM_CHARS,
} from "../../src/store/keychain_entry.ts";
import { rejectsWith } from "../_helpers.ts";

/** Random base64url text: incompressible, like real tokens. */
function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, "").slice(0, length);
}

/** A token entry as the AuthStore writes it for an OAuth service with JWTs. */
function oauthEntry(): Record<string, string> {
  return {
    access_token: `eyJ${randomToken(1400)}`,
    refresh_token: `eyJ${randomToken(900)}`,
    id_token: `eyJ${randomToken(700)}`,
    expires_at: "2030-01-01T00:00:00.000Z",
    scopes: "openid profile email offline_access registry:write",
    account: "dev@example.com",
  };
}

/** Windows counts a credential's secret in UTF-16 bytes. */
const utf16Bytes = (s: string) => s.length * 2;

Deno.test("an OAuth entry over 2,560 bytes is split into items that each fit Windows' cap", async () => {
  const json = JSON.stringify(oauthEntry());
  assert(utf16Bytes(json) > 2560 && json.length > 2560, `only ${json.length} characters`);
  const items = await encodeEntry(json, WINDOWS_MAX_ITEM_CHARS);
  assert(items.length > 1, "the entry was not split");
  for (const item of items) assert(utf16Bytes(item) <= 2560, `an item of ${item.length} chars`);
  assert.deepStrictEqual(continuationCount(items[0]), items.length - 1);
  assert.match(items[0], /^ck1:\d+:[0-9a-f]{8}:/);
  assert.deepStrictEqual(await decodeEntry("supabase", items[0], items.slice(1)), json);
});

Deno.test("an entry that fits stays one plain JSON item, readable as before", async () => {
  const json = JSON.stringify({ token: "ghp_x", "ü 漢字": "🔑" });
  assert.deepStrictEqual(await encodeEntry(json, WINDOWS_MAX_ITEM_CHARS), [json]);
  assert.deepStrictEqual(
    await encodeEntry(JSON.stringify(oauthEntry()).repeat(2)).then((i) => i.length),
    1,
  );
  assert.deepStrictEqual(continuationCount(json), 0);
  assert.deepStrictEqual(await decodeEntry("github", json, []), json);
  // Compressible text that fits once compressed still gets a header, in one item.
  const repetitive = JSON.stringify({ notes: "abc ".repeat(1000) });
  const items = await encodeEntry(repetitive, WINDOWS_MAX_ITEM_CHARS);
  assert.deepStrictEqual(items.length, 1);
  assert.deepStrictEqual(continuationCount(items[0]), 0);
  assert.deepStrictEqual(await decodeEntry("notes", items[0], []), repetitive);
});

Deno.test("parts from different writes, or a missing part, are detected", async () => {
  const a = await encodeEntry(JSON.stringify(oauthEntry()), 512);
  const b = await encodeEntry(JSON.stringify(oauthEntry()), 512);
  assert(a.length > 2 && b.length > 2);
  const mixed = [b[1], ...a.slice(2)];
  await rejectsWith(() => decodeEntry("x", a[0], mixed), TornEntryError, "incomplete");
  await rejectsWith(() => decodeEntry("x", a[0], [a[1], undefined]), TornEntryError);
  // One changed character anywhere in the data is caught by the digest.
  const last = a.at(-1)!;
  const flipped = last.slice(0, -1) + (last.endsWith("A") ? "B" : "A");
  await rejectsWith(() => decodeEntry("x", a[0], [...a.slice(1, -1), flipped]), CredkitError);
});

Deno.test("continuation accounts are recognised only beside their entry", () => {
  assert.deepStrictEqual(continuationAccount("supabase", 3), "supabase#3");
  const all = new Set(["supabase", "supabase#1", "supabase#2", "team#1", "a#b"]);
  assert.deepStrictEqual(isContinuation("supabase#2", all), true);
  assert.deepStrictEqual(isContinuation("team#1", all), false, "no entry team: a name of its own");
  assert.deepStrictEqual(isContinuation("a#b", all), false);
  assert.deepStrictEqual(isContinuation("supabase#0", all), false);
});

Deno.test("fields come from JSON objects only", () => {
  assert.deepStrictEqual(fieldsFromJson("x", '{"a":"b","n":1,"t":true,"o":{"k":1},"z":null}'), {
    a: "b",
    n: "1",
    t: "true",
    o: '{"k":1}',
  });
  for (const bad of ["[1]", "null", '"s"', "ck1:broken"]) {
    assert.throws(() => fieldsFromJson("x", bad), /entry x in keychain is not credkit JSON/);
  }
});

Deno.test("property: any entry round-trips through any item cap, every item within it", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.dictionary(
        fc.string({ unit: "grapheme", maxLength: 20 }).filter((k) => k !== "__proto__"),
        fc.string({ unit: "binary", maxLength: 3000 }),
      ),
      fc.integer({ min: 64, max: WINDOWS_MAX_ITEM_CHARS }),
      async (fields, maxChars) => {
        const json = JSON.stringify(fields);
        const items = await encodeEntry(json, maxChars);
        for (const item of items) assert(item.length <= maxChars, `${item.length} > ${maxChars}`);
        assert.deepStrictEqual(continuationCount(items[0]), items.length - 1);
        const back = await decodeEntry("e", items[0], items.slice(1));
        assert.deepStrictEqual(back, json);
        assert.deepStrictEqual(fieldsFromJson("e", back), { ...fields });
      },
    ),
    { numRuns: 150 },
  );
});
