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
import { type BrokenPipePolicy, type ChunkTransform, DRAIN_IDLE_MS, quietErrors } from "./relay.ts";

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
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  return new Promise((resolveRelay) => {
    let finished = false;
    let ended = false;
    let broken = false;
    let pending = 0;
    let waitingForDrain = false;
    let resumeReading: (() => void) | undefined;
    let lastActivity = Date.now();
    let idleTimer: ReturnType<typeof setInterval> | undefined;
    let afterBreak: ((chunk: Uint8Array) => void) | undefined;

    const finish = () => {
      if (finished) return;
      finished = true;
      if (idleTimer) clearInterval(idleTimer);
      dst.off("error", onDstError);
      dst.off("drain", onDrain);
      resolveRelay();
    };
    const maybeFinish = () => {
      if (ended && pending === 0) finish();
    };
    const onDrain = () => {
      waitingForDrain = false;
      lastActivity = Date.now();
      const resume = resumeReading;
      resumeReading = undefined;
      resume?.();
    };
    function onDstError() {
      if (broken) return;
      broken = true;
      afterBreak = onBroken({ destroy: cancel });
      onDrain();
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

    quietErrors(dst);
    dst.on("error", onDstError);

    const pump = async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        lastActivity = Date.now();
        if (broken) {
          afterBreak?.(value);
          continue;
        }
        if (ended) continue;
        let flowing = true;
        if (!transform) flowing = write(value);
        else if (transform.pushv) {
          for (const piece of transform.pushv(value)) flowing = write(piece) && flowing;
        } else flowing = write(transform.push(value));
        if (!flowing && !broken) {
          waitingForDrain = true;
          await new Promise<void>((resume) => {
            resumeReading = resume;
            dst.once("drain", onDrain);
          });
        }
      }
    };
    pump().then(end, end);

    childExited.then(() => {
      if (finished) return;
      idleTimer = setInterval(() => {
        if (ended || waitingForDrain) return;
        if (Date.now() - lastActivity >= DRAIN_IDLE_MS) {
          cancel();
          end();
        }
      }, 100);
    });
  });
}
