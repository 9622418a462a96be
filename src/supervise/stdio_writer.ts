/**
 * Writable streams for credkit's own stdout and stderr that never block the
 * event loop and report backpressure.
 *
 * Under Deno, `process.stdout.write` is a blocking write: while a slow reader
 * holds credkit's stdout, no timer or signal handler would run. There the
 * streams are built on `Deno.stdout.write`, which is asynchronous. Under Bun
 * (and the Bun-compiled binary) and Node, `process.stdout` already reports
 * backpressure through `write()` / `"drain"` and is used as it is.
 *
 * @module
 */
import process from "node:process";
import { Writable } from "node:stream";
import { runtimeName } from "../runtime/name.ts";

interface DenoWriter {
  write(p: Uint8Array): Promise<number>;
}

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** Turns a Deno I/O error into a Node-style error carrying `code`. */
function toNodeError(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const name = e.name;
  const code = name === "BrokenPipe"
    ? "EPIPE"
    : name === "ConnectionReset"
    ? "ECONNRESET"
    : (e as { code?: string }).code ?? "EIO";
  const out = new Error(`write ${code}`) as Error & { code: string };
  out.code = code;
  return out;
}

function denoWritable(writer: DenoWriter): Writable {
  return new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Uint8Array, _enc, callback) {
      (async () => {
        let view = chunk;
        while (view.length > 0) {
          const n = await writer.write(view);
          view = view.subarray(n);
        }
      })().then(() => callback(), (err) => callback(toNodeError(err)));
    },
  });
}

/**
 * A non-blocking Writable for credkit's own stdout or stderr.
 *
 * Errors such as `EPIPE` are emitted as `"error"` events with a Node-style
 * `code`; the caller decides how to handle them.
 *
 * @example
 * ```ts
 * const out = stdioWriter("stdout");
 * out.on("error", () => {});
 * out.write(new TextEncoder().encode("hello\n"));
 * ```
 */
export function stdioWriter(which: "stdout" | "stderr"): Writable {
  if (runtimeName === "deno") {
    return denoWritable(which === "stdout" ? g.Deno.stdout : g.Deno.stderr);
  }
  return which === "stdout" ? process.stdout : process.stderr;
}
