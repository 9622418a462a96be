import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeMessages,
  encodeMethodCall,
  marshal,
  splitSignature,
  unmarshal,
} from "../../src/store/dbus_wire.ts";

Deno.test("signatures split into complete types; bad ones are refused", () => {
  assert.deepStrictEqual(splitSignature("sa{ss}(oayays)v"), ["s", "a{ss}", "(oayays)", "v"]);
  assert.deepStrictEqual(splitSignature("a{o(oayays)}"), ["a{o(oayays)}"]);
  assert.deepStrictEqual(splitSignature(""), []);
  for (const bad of ["(s", "a", "z", "{ss"]) {
    assert.throws(() => splitSignature(bad), /bad D-Bus signature/);
  }
});

Deno.test("marshalling follows the wire format's alignment (little-endian)", () => {
  assert.deepStrictEqual([...marshal("s", ["hi"])], [2, 0, 0, 0, 104, 105, 0]);
  // A byte, then a u32 aligned to 4, then an empty array of structs padded to 8.
  assert.deepStrictEqual(
    [...marshal("yua(s)", [7, 1, []])],
    [7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  );
  assert.deepStrictEqual([...marshal("g", ["a{sv}"])], [5, 97, 123, 115, 118, 125, 0]);
});

Deno.test("what the Secret Service sends and answers round-trips", () => {
  const secret = [
    ["/org/freedesktop/secrets/collection/login/1", [
      "/org/freedesktop/secrets/session/s1",
      new Uint8Array([1, 2, 3]),
      new TextEncoder().encode('{"token":"x"}'),
      "text/plain",
    ]],
  ];
  const cases: [string, unknown[]][] = [
    ["a{o(oayays)}", [secret]],
    ["a{ss}", [[["service", "credkit"], ["username", "ü 漢字 🔑"]]]],
    ["sv", ["plain", { sig: "s", value: "" }]],
    ["vo", [{ sig: "ay", value: new Uint8Array(128).fill(9) }, "/s/1"]],
    ["aoao", [["/a", "/b"], []]],
    ["bui", [true, 4294967295, -5]],
  ];
  for (const [sig, values] of cases) {
    assert.deepStrictEqual(unmarshal(sig, marshal(sig, values)), values, sig);
  }
});

Deno.test("property: any strings and byte arrays round-trip through a{s(sayu)}", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(
        fc.string({ unit: "grapheme" }),
        fc.tuple(fc.string(), fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 0xffffffff })),
      )),
      (entries) => {
        const values = [entries.map(([k, [s, bytes, n]]) => [k, [s, bytes, n]])];
        assert.deepStrictEqual(unmarshal("a{s(sayu)}", marshal("a{s(sayu)}", values)), values);
      },
    ),
  );
});

Deno.test("messages are split off a byte stream, incomplete ones kept for later", () => {
  const one = encodeMethodCall(7, {
    destination: "org.freedesktop.secrets",
    path: "/org/freedesktop/secrets",
    iface: "org.freedesktop.Secret.Service",
    member: "SearchItems",
    sig: "a{ss}",
    body: [[["service", "credkit"]]],
  });
  const two = encodeMethodCall(8, {
    destination: "org.freedesktop.DBus",
    path: "/org/freedesktop/DBus",
    iface: "org.freedesktop.DBus",
    member: "Hello",
  });
  assert.deepStrictEqual(one.length % 8, 0, "a message ends on an 8-byte boundary");
  const stream = new Uint8Array([...one, ...two]);
  const partial = decodeMessages(stream.subarray(0, one.length + 5));
  assert.deepStrictEqual(partial.messages.length, 1);
  assert.deepStrictEqual(partial.rest.length, 5);
  const { messages, rest } = decodeMessages(stream);
  assert.deepStrictEqual(rest.length, 0);
  assert.deepStrictEqual(messages.map((m) => [m.type, m.serial]), [[1, 7], [1, 8]]);
  assert.deepStrictEqual(messages[0].body, [[["service", "credkit"]]]);
  assert.deepStrictEqual(messages[1].body, []);
});

Deno.test("a big-endian error reply is read: its name, reply serial and text", () => {
  // Built by hand: 'B', ERROR, flags, v1; body "nope" (signature s).
  const text = new TextEncoder().encode("nope");
  const name = new TextEncoder().encode("org.freedesktop.DBus.Error.ServiceUnknown");
  const fields: number[] = [];
  const pad = (a: number[], n: number) => {
    while (a.length % n) a.push(0);
  };
  const u32be = (a: number[], v: number) =>
    a.push(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  fields.push(4, 1, 115, 0); // ERROR_NAME, signature "s"
  u32be(fields, name.length);
  fields.push(...name, 0);
  pad(fields, 8);
  fields.push(5, 1, 117, 0); // REPLY_SERIAL, "u"
  u32be(fields, 42);
  pad(fields, 8);
  fields.push(8, 1, 103, 0, 1, 115, 0); // SIGNATURE, "g" = "s"
  const body: number[] = [];
  u32be(body, text.length);
  body.push(...text, 0);
  const head: number[] = [0x42, 3, 0, 1];
  u32be(head, body.length);
  u32be(head, 99);
  u32be(head, fields.length);
  const message = [...head, ...fields];
  pad(message, 8);
  message.push(...body);
  const { messages } = decodeMessages(new Uint8Array(message));
  assert.deepStrictEqual(messages, [{
    type: 3,
    serial: 99,
    replySerial: 42,
    errorName: "org.freedesktop.DBus.Error.ServiceUnknown",
    body: ["nope"],
  }]);
});
