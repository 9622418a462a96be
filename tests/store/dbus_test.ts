import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { rejectsWith } from "../_helpers.ts";
import {
  BusConnection,
  BusError,
  parseBusAddress,
  sessionBusAddress,
} from "../../src/store/dbus.ts";

const dbusDaemon = ["/usr/bin/dbus-daemon", "/bin/dbus-daemon"].find((p) => fs.existsSync(p));
if (process.platform === "linux" && !dbusDaemon) {
  console.error("dbus_test: the private-bus tests are skipped: dbus-daemon is not installed");
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-bus-"));
}

/** Runs `fn` with a private dbus-daemon listening on a unix socket. */
async function withPrivateBus(fn: (socketPath: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const socketPath = path.join(dir, "bus");
  const config = path.join(dir, "bus.conf");
  fs.writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=${socketPath}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
<allow own="*"/></policy></busconfig>
`,
  );
  const daemon = new Deno.Command(dbusDaemon!, {
    args: [`--config-file=${config}`, "--nofork", "--nopidfile"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    for (let i = 0; i < 200 && !fs.existsSync(socketPath); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert(fs.existsSync(socketPath), "dbus-daemon did not start");
    await fn(socketPath);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.status;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const BUS = { destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus" };

Deno.test("bus addresses: unix paths, abstract sockets, TCP, escapes", () => {
  assert.deepStrictEqual(parseBusAddress("unix:path=/run/user/1000/bus"), {
    path: "/run/user/1000/bus",
  });
  assert.deepStrictEqual(parseBusAddress("unix:path=/tmp/a%20b,guid=12"), { path: "/tmp/a b" });
  assert.deepStrictEqual(parseBusAddress("unix:abstract=/tmp/dbus-x"), { path: "\0/tmp/dbus-x" });
  assert.deepStrictEqual(parseBusAddress("launchd:env=X;tcp:host=h,port=7"), {
    host: "h",
    port: 7,
  });
  assert.deepStrictEqual(parseBusAddress("launchd:env=X"), undefined);
  assert.deepStrictEqual(
    sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/x" }),
    "unix:path=/x",
  );
  const dir = tempDir();
  try {
    assert.deepStrictEqual(sessionBusAddress({ XDG_RUNTIME_DIR: dir }), undefined);
    fs.writeFileSync(path.join(dir, "bus"), "");
    assert.deepStrictEqual(sessionBusAddress({ XDG_RUNTIME_DIR: dir }), `unix:path=${dir}/bus`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test({
  name: "a real dbus-daemon: calls in flight at once, replies matched, errors named",
  ignore: process.platform !== "linux" || !dbusDaemon,
  fn: () =>
    withPrivateBus(async (socketPath) => {
      const bus = await BusConnection.open({ path: socketPath }, 5000);
      try {
        const [id, names, owned, missing] = await Promise.all([
          bus.call({ ...BUS, iface: "org.freedesktop.DBus", member: "GetId" }),
          bus.call({ ...BUS, iface: "org.freedesktop.DBus", member: "ListNames" }),
          bus.call({
            ...BUS,
            iface: "org.freedesktop.DBus",
            member: "NameHasOwner",
            sig: "s",
            body: ["org.freedesktop.DBus"],
          }),
          bus.call({
            ...BUS,
            iface: "org.freedesktop.DBus",
            member: "NameHasOwner",
            sig: "s",
            body: ["org.freedesktop.secrets"],
          }),
        ]);
        assert.match(id[0] as string, /^[0-9a-f]{32}$/);
        assert((names[0] as string[]).includes("org.freedesktop.DBus"));
        assert.deepStrictEqual([owned, missing], [[true], [false]]);
        const err = await rejectsWith(
          () =>
            bus.call({
              destination: "org.freedesktop.secrets",
              path: "/org/freedesktop/secrets",
              iface: "org.freedesktop.DBus.Peer",
              member: "Ping",
            }),
          BusError,
        );
        assert.deepStrictEqual(err.errorName, "org.freedesktop.DBus.Error.ServiceUnknown");
        // The connection is still usable after an error reply.
        assert.match(
          (await bus.call({ ...BUS, iface: "org.freedesktop.DBus", member: "GetId" }))[0] as string,
          /^[0-9a-f]{32}$/,
        );
      } finally {
        bus.close();
      }
      assert.deepStrictEqual(bus.closed, true);
      await rejectsWith(
        () => bus.call({ ...BUS, iface: "org.freedesktop.DBus", member: "GetId" }),
        Error,
        "closed",
      );
    }),
});

Deno.test("a missing socket and a bus that never answers are reported, within the bound", async () => {
  const dir = tempDir();
  try {
    await rejectsWith(
      () => BusConnection.open({ path: path.join(dir, "nothing") }, 2000),
      Error,
      "the D-Bus session bus socket does not exist",
    );
    const socketPath = path.join(dir, "silent");
    const listener = Deno.listen({ transport: "unix", path: socketPath });
    const held: Deno.Conn[] = [];
    const accepting = (async () => {
      for await (const conn of listener) held.push(conn);
    })();
    try {
      const started = Date.now();
      // Connected at once; the authentication, sent with the first call, is never answered.
      const bus = await BusConnection.open({ path: socketPath }, 300);
      await rejectsWith(
        () => bus.call({ ...BUS, iface: "org.freedesktop.DBus", member: "GetId" }),
        Error,
        "the D-Bus session bus did not answer within 300 ms",
      );
      assert.deepStrictEqual(bus.closed, true);
      assert(Date.now() - started < 5000);
    } finally {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of held) conn.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const bunPath = path.resolve(import.meta.dirname ?? ".", "../../node_modules/.bin/bun");

Deno.test({
  name: "the connection works the same under Bun (Bun.connect) and Deno (node:net)",
  ignore: process.platform !== "linux" || !dbusDaemon || !fs.existsSync(bunPath),
  fn: () =>
    withPrivateBus(async (socketPath) => {
      const fixture = path.resolve(import.meta.dirname ?? ".", "fixtures", "bus_call.ts");
      for (const [cmd, args] of [[bunPath, [fixture]], [Deno.execPath(), ["run", "-A", fixture]]]) {
        const out = await new Deno.Command(cmd as string, {
          args: [...args as string[], socketPath],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        assert(out.success, new TextDecoder().decode(out.stderr));
        const result = JSON.parse(text);
        assert.match(result.id, /^[0-9a-f]{32}$/);
        assert(result.names.includes("org.freedesktop.DBus"));
        assert.deepStrictEqual(result.runtime, cmd === bunPath ? "bun" : "deno");
      }
    }),
});
