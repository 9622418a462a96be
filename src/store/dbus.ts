/**
 * A small D-Bus client, private to the keychain store: the session bus
 * address and one connection that authenticates with EXTERNAL and sends
 * method calls without waiting for earlier replies, all within one deadline.
 * It lets credkit ask the Secret Service for every item it needs in two
 * round trips, asynchronously (the native binding would block the process).
 *
 * @module
 */
import * as fs from "node:fs";
import process from "node:process";
import { type ByteSocket, connectSocket } from "../runtime/socket.ts";
import { type BusMessage, decodeMessages, encodeMethodCall, type MethodCall } from "./dbus_wire.ts";

export type { MethodCall, Variant } from "./dbus_wire.ts";

/** Where a bus listens: a unix socket (a leading NUL for abstract ones) or TCP. */
export type BusTarget = { path: string } | { host: string; port: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function unescapeBusValue(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * The first connectable address of a D-Bus address list, if credkit understands one.
 *
 * @example
 * ```ts
 * parseBusAddress("unix:path=/run/user/1000/bus"); // { path: "/run/user/1000/bus" }
 * ```
 */
export function parseBusAddress(address: string): BusTarget | undefined {
  for (const part of address.split(";")) {
    const colon = part.indexOf(":");
    if (colon < 0) continue;
    const transport = part.slice(0, colon);
    const keys = new Map<string, string>();
    for (const kv of part.slice(colon + 1).split(",")) {
      const eq = kv.indexOf("=");
      if (eq > 0) keys.set(kv.slice(0, eq), unescapeBusValue(kv.slice(eq + 1)));
    }
    if (transport === "unix" && keys.has("path")) return { path: keys.get("path")! };
    if (transport === "unix" && keys.has("abstract")) return { path: `\0${keys.get("abstract")}` };
    if (transport === "tcp" && keys.has("port")) {
      return { host: keys.get("host") || "localhost", port: Number(keys.get("port")) };
    }
  }
  return undefined;
}

/**
 * The session bus address: `DBUS_SESSION_BUS_ADDRESS`, else
 * `$XDG_RUNTIME_DIR/bus` (or `/run/user/<uid>/bus`) when that socket exists.
 *
 * @example
 * ```ts
 * sessionBusAddress({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/tmp/bus" }); // "unix:path=/tmp/bus"
 * ```
 */
export function sessionBusAddress(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  const runtimeDir = env.XDG_RUNTIME_DIR || (uid !== undefined ? `/run/user/${uid}` : "");
  if (runtimeDir && fs.existsSync(`${runtimeDir}/bus`)) return `unix:path=${runtimeDir}/bus`;
  return undefined;
}

/** An error reply from a peer: its D-Bus error name. */
export class BusError extends Error {
  /** An error reply named `errorName` (e.g. `org.freedesktop.DBus.Error.ServiceUnknown`). */
  constructor(readonly errorName: string, message: string) {
    super(message);
    this.name = "BusError";
  }
}

/**
 * One authenticated session-bus connection. Calls are queued and written
 * together at the end of the current tick, and matched to their replies by
 * serial, so several are in flight at once. Every call must be answered
 * within `timeoutMs` of the last sign of life, or every pending call rejects.
 *
 * @example
 * ```ts
 * const bus = await BusConnection.open({ path: "/run/user/1000/bus" }, 2000);
 * const [id] = await bus.call({ destination: "org.freedesktop.DBus",
 *   path: "/org/freedesktop/DBus", iface: "org.freedesktop.DBus", member: "GetId" });
 * bus.close();
 * ```
 */
export class BusConnection {
  #pending = new Map<number, { resolve(b: unknown[]): void; reject(e: Error): void }>();
  #serial = 1;
  #closed?: Error;
  #timer?: ReturnType<typeof setTimeout>;
  #authed = false;
  #outbox: Uint8Array[] = [];
  #socket?: ByteSocket;
  #onFail?: (err: Error) => void;

  private constructor(readonly timeoutMs: number) {}

  /**
   * Connects, then authenticates (EXTERNAL, as the process's uid) and says
   * Hello without waiting: resolves once the socket is connected. A failure
   * (socket missing or refused; authentication refused or unanswered within
   * `timeoutMs`) rejects this or, once connected, every pending call.
   */
  static open(target: BusTarget, timeoutMs: number): Promise<BusConnection> {
    const bus = new BusConnection(timeoutMs);
    return new Promise((resolve, reject) => {
      let received: Uint8Array = new Uint8Array(0);
      let opened = false;
      bus.#onFail = (err) => !opened && reject(err);
      bus.#arm();
      connectSocket(target, {
        open() {
          // Authentication, BEGIN, Hello and the first calls leave in one write,
          // without waiting for the bus's OK (as sd-bus does): one round trip fewer.
          const uid = typeof process.getuid === "function" ? String(process.getuid()) : "";
          const hex = [...uid].map((c) => c.charCodeAt(0).toString(16)).join("");
          bus.#send(encoder.encode(`\0AUTH EXTERNAL ${hex}\r\nBEGIN\r\n`));
          bus.call({
            destination: "org.freedesktop.DBus",
            path: "/org/freedesktop/DBus",
            iface: "org.freedesktop.DBus",
            member: "Hello",
          }).catch(() => {/* a refused Hello closes the connection: later calls fail */});
          opened = true;
          resolve(bus);
        },
        data(chunk) {
          const joined = new Uint8Array(received.length + chunk.length);
          joined.set(received);
          joined.set(chunk, received.length);
          received = joined;
          if (!bus.#authed) {
            const eol = received.indexOf(10);
            if (eol < 0) return;
            if (!decoder.decode(received.subarray(0, eol)).startsWith("OK ")) {
              return bus.#fail(new Error("the D-Bus session bus refused authentication"));
            }
            bus.#authed = true;
            received = received.subarray(eol + 1);
          }
          const { messages, rest } = decodeMessages(received);
          received = rest;
          for (const m of messages) bus.#dispatch(m);
        },
        error(err) {
          const code = err.code ?? "";
          bus.#fail(
            new Error(
              code === "ENOENT"
                ? "the D-Bus session bus socket does not exist"
                : code === "ECONNREFUSED"
                ? "nothing listens on the D-Bus session bus socket"
                : code === "EACCES" || code === "EPERM"
                ? "permission denied on the D-Bus session bus socket"
                : `cannot connect to the D-Bus session bus (${code || err.message})`,
            ),
          );
        },
        close: () => bus.#fail(new Error("the D-Bus session bus closed the connection")),
      }).then((socket) => {
        if (bus.#closed) return socket.close();
        bus.#socket = socket;
        bus.#flush();
      }, (err) => bus.#fail(err instanceof Error ? err : new Error(String(err))));
    });
  }

  /** Sends a method call; resolves its reply body, rejects a {@link BusError} on an error reply. */
  call(call: MethodCall): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(this.#closed);
    const serial = this.#serial++;
    return new Promise((resolve, reject) => {
      this.#pending.set(serial, { resolve, reject });
      this.#send(encodeMethodCall(serial, call));
      this.#arm();
    });
  }

  /** Whether the connection is closed (by {@link close}, the peer, or a failure). */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Closes the connection; pending calls reject. */
  close(): void {
    this.#fail(new Error("the D-Bus connection was closed"));
  }

  /** Queues bytes, written together at the end of this tick. */
  #send(bytes: Uint8Array): void {
    if (this.#outbox.push(bytes) === 1) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    if (!this.#socket || this.#closed || this.#outbox.length === 0) return;
    const total = this.#outbox.reduce((n, b) => n + b.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const b of this.#outbox.splice(0)) {
      out.set(b, at);
      at += b.length;
    }
    this.#socket.write(out);
  }

  /** (Re)starts the deadline while something is awaited; stops it when nothing is. */
  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || (this.#authed && this.#pending.size === 0)) return;
    this.#timer = setTimeout(() => {
      this.#fail(
        new Error(
          this.#authed
            ? `no reply within ${this.timeoutMs} ms`
            : `the D-Bus session bus did not answer within ${this.timeoutMs} ms`,
        ),
      );
    }, this.timeoutMs);
  }

  #dispatch(m: BusMessage): void {
    if (m.replySerial === undefined || (m.type !== 2 && m.type !== 3)) return;
    const waiter = this.#pending.get(m.replySerial);
    if (!waiter) return;
    this.#pending.delete(m.replySerial);
    this.#arm();
    if (m.type === 2) waiter.resolve(m.body);
    else {
      const name = m.errorName ?? "org.freedesktop.DBus.Error.Failed";
      const text = typeof m.body[0] === "string" ? `: ${m.body[0]}` : "";
      waiter.reject(new BusError(name, `${name}${text}`));
    }
  }

  #fail(err: Error): void {
    if (this.#closed) return;
    this.#closed = err;
    clearTimeout(this.#timer);
    this.#socket?.close();
    this.#onFail?.(err);
    for (const { reject } of this.#pending.values()) reject(err);
    this.#pending.clear();
  }
}
