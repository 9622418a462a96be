/**
 * The one relay for a child's output: copies a child's stdout or stderr
 * through a chunk transform (the stream masker, the MCP relay, or none) into
 * a destination, with backpressure, and ends the way a pipe would when the
 * destination breaks.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";
import { signalGroup } from "./group.ts";
import { pipesAreSocketPairs } from "./bun_adapter.ts";
import { relaySink } from "./relay_sink.ts";

export { DRAIN_IDLE_MS, quietErrors } from "./relay_sink.ts";

/**
 * A chunk transformer: the masker or the MCP relay. `pushv`,
 * where present, returns the output as pieces without copying them together.
 */
export interface ChunkTransform {
  /** Takes a chunk; returns what can be emitted now. */
  push(chunk: Uint8Array): Uint8Array;
  /** As `push`, as pieces (no copy). */
  pushv?(chunk: Uint8Array): Uint8Array[];
  /** At the end of the stream: returns whatever is still held back. */
  flush(): Uint8Array;
}

/** A child's output pipe, as far as closing it goes (a `Readable`, or a web stream's reader). */
export interface ClosableSource {
  /** Closes the read end. */
  destroy(): void;
}

/**
 * What to do with a child's output pipe once credkit's own output is gone
 * (EPIPE): returns a function called with every chunk that still arrives
 * (discarded).
 */
export type BrokenPipePolicy = (src: ClosableSource) => ((chunk: Uint8Array) => void) | undefined;

/**
 * Closing the read end: right for a real pipe, where the child's next write
 * fails with EPIPE / SIGPIPE exactly as it would without credkit.
 *
 * @example
 * ```ts
 * await relay(child.stdout, null, process.stdout, exited, closeReadEnd);
 * ```
 */
export const closeReadEnd: BrokenPipePolicy = (src: ClosableSource): undefined => {
  src.destroy();
  return undefined;
};

/** How long a socket pair is drained after a broken pipe before it is closed. */
const SOCKET_LINGER_MS = 200;

/**
 * Bun connects the child's stdio through a socket pair. Closing it while
 * unread bytes remain makes the child's writes fail with ECONNRESET instead
 * of EPIPE ("Connection reset by peer" and exit 1 instead of dying of
 * SIGPIPE). So: keep draining, send SIGPIPE to the group when the child
 * writes again, and close the socket shortly after (a child that ignores
 * SIGPIPE then sees its writes fail).
 */
function signalWritersPolicy(pgid: () => number | undefined): BrokenPipePolicy {
  return (src) => {
    setTimeout(() => src.destroy(), SOCKET_LINGER_MS);
    let signalled = false;
    return () => {
      const id = pgid();
      if (signalled || id === undefined) return;
      signalled = true;
      signalGroup(id, "SIGPIPE", false);
    };
  };
}

/**
 * The policy that makes the child see a closed pipe on this runtime, for a
 * child whose group is `pgid()` (undefined once it has exited).
 *
 * @example
 * ```ts
 * const onBroken = brokenPipePolicy(() => (done ? undefined : pid));
 * ```
 */
export function brokenPipePolicy(pgid: () => number | undefined): BrokenPipePolicy {
  return pipesAreSocketPairs ? signalWritersPolicy(pgid) : closeReadEnd;
}

/**
 * Copies `src` to `dst` through `transform`, pausing `src` while `dst` is
 * full. Resolves once `src` ended and everything was handed to `dst`, or
 * when `dst` broke (then `onBroken` makes the child see a closed pipe, just
 * as it would without credkit in between). Once `childExited` resolved, a
 * source silent for a second (held open by a process that left the group)
 * is no longer waited for.
 *
 * @example
 * ```ts
 * const done = relay(child.stdout!, new StreamMasker(secrets), process.stdout, exited, closeReadEnd);
 * ```
 */
export function relay(
  src: Readable,
  transform: ChunkTransform | null,
  dst: Writable,
  childExited: Promise<unknown>,
  onBroken: BrokenPipePolicy,
): Promise<void> {
  const sink = relaySink(
    { pause: () => src.pause(), resume: () => src.resume(), destroy: () => src.destroy() },
    transform,
    dst,
    childExited,
    onBroken,
  );
  src.on("data", sink.chunk);
  src.once("end", sink.end);
  src.once("close", sink.end);
  src.once("error", sink.end);
  return sink.done;
}
