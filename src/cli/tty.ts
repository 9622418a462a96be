/**
 * Terminal io for the real process: stdout/stderr writers, reading stdin, and
 * a prompt that turns echo off for secrets.
 *
 * @module
 */
import process from "node:process";
import type { Io } from "./context.ts";

/** Reads all of stdin as UTF-8. */
export async function readAllStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/**
 * Prompts on stderr and reads one line from the terminal; with `hidden`,
 * typed characters are not echoed (raw mode, backspace handled, Ctrl-C aborts).
 */
export function promptLine(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = "";
    const raw = stdin.isTTY === true;
    if (raw) stdin.setRawMode(true);
    stdin.resume();
    const finish = (err?: Error) => {
      stdin.off("data", onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Uint8Array) => {
      for (const ch of new TextDecoder().decode(data)) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") return finish(new Error("interrupted"));
        if (ch === "\u007f" || ch === "\b") {
          if (value.length) {
            value = [...value].slice(0, -1).join("");
            if (!hidden) process.stderr.write("\b \b");
          }
          continue;
        }
        value += ch;
        if (!hidden && raw) process.stderr.write(ch);
      }
    };
    stdin.on("data", onData);
  });
}

/** The {@link Io} of the real process, plus a way to wait until stdout is written out. */
export function processIo(): Io & { stdoutFlushed(): Promise<void> } {
  // process.stdout and process.stdin are created on first access, which costs
  // start-up time: `run` never touches them.
  let pending = 0;
  let stdinIsTTY: boolean | undefined;
  let idle: (() => void) | undefined;
  const settled = () => {
    if (--pending === 0) idle?.();
  };
  return {
    // Resolves once every write has reached the OS (Bun may otherwise lose
    // the tail of a large write when the process exits right after it).
    stdoutFlushed: () =>
      pending === 0 ? Promise.resolve() : new Promise<void>((resolve) => {
        idle = resolve;
        process.stdout.once("error", () => resolve()); // EPIPE: the reader went away
      }),
    out: (text) => {
      pending++;
      try {
        process.stdout.write(text, settled);
      } catch {
        settled(); // EPIPE
      }
    },
    err: (text) => {
      try {
        process.stderr.write(text);
      } catch { /* EPIPE */ }
    },
    // node:tty is loaded only when a command asks.
    get stdinIsTTY() {
      return (stdinIsTTY ??= process.getBuiltinModule("node:tty").isatty(0));
    },
    readStdin: readAllStdin,
    prompt: (q, o) => promptLine(q, o?.hidden ?? false),
  };
}
