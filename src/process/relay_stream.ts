/**
 * The relay of `relay.ts` for a child's output given as a web
 * `ReadableStream` (Bun's `Bun.spawn` pipes): the same contract — a chunk
 * transform, backpressure, a broken destination handled by a
 * {@link BrokenPipePolicy}, no waiting for a pipe held open after the child
 * exited — with one `read()` per chunk and no `node:stream` hop in between.
 *
 * @module
 */
import type { Writable } from "node:stream";
import type { BrokenPipePolicy, ChunkTransform } from "./relay.ts";
import { relaySink } from "./relay_sink.ts";

/**
 * Copies `src` to `dst` through `transform`; while `dst` is full, `src` is
 * not read (the child blocks on its pipe). Resolves once `src` ended and
 * everything was handed to `dst`, or when `dst` broke (then `onBroken`
 * decides what the child sees). Once `childExited` resolved, a source silent
 * for a second (held open by a process that left the group) is no longer
 * waited for.
 *
 * @example
 * ```ts
 * const done = relayStream(child.stdoutStream!, new StreamMasker(secrets), process.stdout, exited, closeReadEnd);
 * ```
 */
export function relayStream(
  src: ReadableStream<Uint8Array>,
  transform: ChunkTransform | null,
  dst: Writable,
  childExited: Promise<unknown>,
  onBroken: BrokenPipePolicy,
): Promise<void> {
  const reader = src.getReader();
  let paused: Promise<void> | undefined;
  let unpause: (() => void) | undefined;
  const sink = relaySink(
    {
      pause: () => {
        paused ??= new Promise<void>((resolve) => (unpause = resolve));
      },
      resume: () => {
        const resume = unpause;
        paused = unpause = undefined;
        resume?.();
      },
      destroy: () => {
        reader.cancel().catch(() => {});
      },
    },
    transform,
    dst,
    childExited,
    onBroken,
  );
  const pump = async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sink.chunk(value);
      if (paused) await paused; // dst is full: the child blocks on its pipe meanwhile
    }
  };
  pump().then(sink.end, sink.end);
  return sink.done;
}
