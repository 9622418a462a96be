/**
 * The destination side shared by both relays of a child's output (`relay`
 * over a `node:stream` Readable, `relayStream` over a web ReadableStream):
 * the chunk transform, writes with backpressure, a broken destination handed
 * to the {@link BrokenPipePolicy}, the end, and no waiting for a pipe held
 * open after the child exited. The relays only read their source.
 *
 * @module
 */
import type { Writable } from "node:stream";
import type { BrokenPipePolicy, ChunkTransform, ClosableSource } from "./relay.ts";

/**
 * After the child has exited, how long its output pipes may stay silent (held
 * open by a process that left the group) before credkit stops reading them.
 */
export const DRAIN_IDLE_MS = 1000;

/** A child's output pipe, as the sink drives it. */
export interface RelaySource extends ClosableSource {
  /** Stops delivering chunks until {@link RelaySource.resume}. */
  pause(): void;
  /** Delivers chunks again. */
  resume(): void;
}

/** What a relay hands its source's events to. */
export interface RelaySink {
  /** One chunk read from the source. */
  chunk(bytes: Uint8Array): void;
  /** The source ended, failed or closed. */
  end(): void;
  /** Resolves once everything was handed to the destination, or it broke. */
  readonly done: Promise<void>;
}

/** Streams that already carry a permanent quiet `error` listener. */
const quieted = new WeakSet<Writable>();

/**
 * Gives `dst` a permanent `error` listener that does nothing (once), so a
 * late error after a relay finished is not an uncaught exception.
 *
 * @example
 * ```ts
 * quietErrors(process.stdout);
 * ```
 */
export function quietErrors(dst: Writable): void {
  if (quieted.has(dst)) return;
  quieted.add(dst);
  dst.on("error", () => {});
}

/**
 * The sink that writes `source`'s chunks through `transform` into `dst`,
 * pausing `source` while `dst` is full.
 *
 * @example
 * ```ts
 * const sink = relaySink(source, masker, process.stdout, exited, closeReadEnd);
 * readable.on("data", sink.chunk);
 * readable.once("end", sink.end);
 * await sink.done;
 * ```
 */
export function relaySink(
  source: RelaySource,
  transform: ChunkTransform | null,
  dst: Writable,
  childExited: Promise<unknown>,
  onBroken: BrokenPipePolicy,
): RelaySink {
  let finished = false;
  let ended = false;
  let broken = false;
  let pending = 0;
  let waitingForDrain = false;
  let lastActivity = Date.now();
  let idleTimer: ReturnType<typeof setInterval> | undefined;
  let afterBreak: ((chunk: Uint8Array) => void) | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));

  const finish = () => {
    if (finished) return;
    finished = true;
    if (idleTimer) clearInterval(idleTimer);
    dst.off("error", onDstError);
    dst.off("drain", onDrain);
    resolveDone();
  };
  const maybeFinish = () => {
    if (ended && pending === 0) finish();
  };
  function onDrain() {
    waitingForDrain = false;
    lastActivity = Date.now();
    source.resume();
  }
  function onDstError() {
    if (broken) return;
    broken = true;
    afterBreak = onBroken(source);
    onDrain(); // keep reading: the policy decides what happens to what still arrives
    finish();
  }
  const afterWrite = (err?: Error | null) => {
    pending--;
    if (err) onDstError();
    else maybeFinish();
  };
  const write = (bytes: Uint8Array): boolean => {
    if (broken || bytes.length === 0) return true;
    pending++;
    return dst.write(bytes, afterWrite);
  };
  const end = () => {
    if (ended) return;
    ended = true;
    if (transform && !broken) write(transform.flush());
    maybeFinish();
  };
  const chunk = (bytes: Uint8Array) => {
    lastActivity = Date.now();
    if (broken) afterBreak?.(bytes);
    if (broken || ended) return;
    let flowing = true;
    if (!transform) flowing = write(bytes);
    else if (transform.pushv) {
      for (const piece of transform.pushv(bytes)) flowing = write(piece) && flowing;
    } else flowing = write(transform.push(bytes));
    if (!flowing && !broken && !waitingForDrain) {
      waitingForDrain = true;
      source.pause();
      dst.once("drain", onDrain);
    }
  };

  quietErrors(dst);
  dst.on("error", onDstError);
  childExited.then(() => {
    if (finished) return;
    idleTimer = setInterval(() => {
      if (ended || waitingForDrain) return;
      if (Date.now() - lastActivity >= DRAIN_IDLE_MS) {
        source.destroy();
        end();
      }
    }, 100);
  });
  return { chunk, end, done };
}
