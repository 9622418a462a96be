/**
 * A stream socket to a unix path or a TCP port: `Bun.connect` under Bun
 * (loading `node:net` costs the compiled binary about 2.5 ms at every
 * keychain read), `node:net` elsewhere.
 *
 * @module
 */

/** Where to connect: a unix socket path (a leading NUL: abstract) or a TCP host and port. */
export type SocketTarget = { path: string } | { host: string; port: number };

/** What happens on the socket; `error` carries an errno-style `code` when there is one. */
export interface SocketHandlers {
  /** The socket is connected. */
  open(): void;
  /** Bytes arrived. */
  data(chunk: Uint8Array): void;
  /** Connecting or the connection failed. */
  error(err: { code?: string; message: string }): void;
  /** The peer closed the connection. */
  close(): void;
}

/** A connected (or connecting) socket. */
export interface ByteSocket {
  /** Queues bytes; all of them are written, in order. */
  write(bytes: Uint8Array): void;
  /** Closes the socket; no handler runs afterwards. */
  close(): void;
}

interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
}

interface BunLike {
  connect(options: {
    unix?: string;
    hostname?: string;
    port?: number;
    socket: Record<string, (...args: never[]) => void>;
  }): Promise<BunSocket>;
}

function connectBun(bun: BunLike, target: SocketTarget, on: SocketHandlers): ByteSocket {
  let socket: BunSocket | undefined;
  let closed = false;
  let backlog: Uint8Array = new Uint8Array(0);
  const flush = () => {
    if (!socket || backlog.length === 0) return;
    const n = socket.write(backlog);
    backlog = backlog.subarray(Math.max(0, n));
  };
  const where = "path" in target
    ? { unix: target.path }
    : { hostname: target.host, port: target.port };
  bun.connect({
    ...where,
    socket: {
      open: (s: BunSocket) => {
        if (closed) return s.end();
        socket = s;
        on.open();
      },
      data: (_s: BunSocket, chunk: Uint8Array) => !closed && on.data(chunk),
      drain: () => flush(),
      close: () => !closed && on.close(),
      error: (_s: BunSocket, err: Error) => !closed && on.error(err),
      connectError: (_s: BunSocket, err: Error) => !closed && on.error(err),
    },
  }).catch((err: Error) => !closed && on.error(err));
  return {
    write(bytes) {
      const joined = new Uint8Array(backlog.length + bytes.length);
      joined.set(backlog);
      joined.set(bytes, backlog.length);
      backlog = joined;
      flush();
    },
    close() {
      closed = true;
      socket?.end();
    },
  };
}

async function connectNode(target: SocketTarget, on: SocketHandlers): Promise<ByteSocket> {
  const net = await import("node:net");
  let closed = false;
  const socket = "path" in target
    ? net.createConnection({ path: target.path })
    : net.createConnection({ host: target.host, port: target.port });
  socket.on("connect", () => !closed && on.open());
  socket.on("data", (chunk: Uint8Array) => !closed && on.data(chunk));
  socket.on("error", (err: NodeJS.ErrnoException) => !closed && on.error(err));
  socket.on("close", () => !closed && on.close());
  return {
    write: (bytes) => void socket.write(bytes),
    close() {
      closed = true;
      socket.destroy();
    },
  };
}

/**
 * Connects to `target`; `on.open` runs once connected, `on.error` with the
 * reason otherwise (`code` `ENOENT`, `ECONNREFUSED`, `EACCES`…).
 *
 * @example
 * ```ts
 * const socket = await connectSocket({ path: "/run/user/1000/bus" }, {
 *   open: () => socket.write(new TextEncoder().encode("\0AUTH EXTERNAL 30\r\n")),
 *   data: (chunk) => console.log(chunk.length), error: console.error, close: () => {},
 * });
 * ```
 */
export function connectSocket(target: SocketTarget, on: SocketHandlers): Promise<ByteSocket> {
  const bun = (globalThis as { Bun?: BunLike }).Bun;
  // Abstract sockets and TCP take the well-trodden path.
  if (bun && "path" in target && !target.path.startsWith("\0")) {
    return Promise.resolve(connectBun(bun, target, on));
  }
  return connectNode(target, on);
}
