/**
 * The server log as a stream: a Writable that appends to a file descriptor
 * synchronously and never fails.
 *
 * @module
 */
import * as fs from "node:fs";
import type { Writable } from "node:stream";

/**
 * A Writable that appends to a file descriptor synchronously (the log).
 *
 * @example
 * ```ts
 * const log = fdWriter(fs.openSync("server.log", "a"));
 * log.write(new TextEncoder().encode("line\n"));
 * ```
 */
export function fdWriter(fd: number): Writable & { writeLine(line: string): void } {
  const write = (bytes: Uint8Array) => {
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
  };
  const w = {
    write(chunk: Uint8Array | string): boolean {
      try {
        write(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
      } catch { /* the log became unwritable: drop output rather than stop the server */ }
      return true;
    },
    once() {
      return w;
    },
    on() {
      return w;
    },
    writeLine(line: string) {
      w.write(line.endsWith("\n") ? line : line + "\n");
    },
  };
  return w as unknown as Writable & { writeLine(line: string): void };
}
