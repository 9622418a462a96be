/**
 * Terminal io for the real process: stdout/stderr writers, reading stdin, and
 * a prompt that turns echo off for secrets.
 *
 * @module
 */
import process from "node:process";
import { CredkitError, usageError } from "../errors.ts";
import type { Io } from "./context.ts";

const NOT_UTF8 = "it is not valid UTF-8 (credkit stores text exactly; nothing was stored)";

/**
 * Decodes stdin bytes as strict UTF-8: invalid bytes are refused (exit 2),
 * never stored as U+FFFD.
 *
 * @example
 * ```ts
 * decodeStdin(new TextEncoder().encode("hf_x\n")); // "hf_x\n"
 * ```
 */
export function decodeStdin(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw usageError("Cannot read stdin", NOT_UTF8);
  }
}

/** Reads all of stdin as strict UTF-8. */
export async function readAllStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Uint8Array);
  return decodeStdin(Buffer.concat(chunks));
}

/**
 * Prompts on stderr and reads one line from the terminal; with `hidden`,
 * typed characters are not echoed (raw mode, backspace handled). Ctrl-C
 * restores the terminal and rejects with an `interrupted` error (exit 130).
 */
export function promptLine(question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    let value = "";
    const raw = stdin.isTTY === true;
    const decoder = new TextDecoder("utf-8", { fatal: true });
    // Echo goes off before the question shows, so nothing typed after it is echoed.
    if (raw) stdin.setRawMode(true);
    process.stderr.write(question);
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
      let text: string;
      try {
        text = decoder.decode(data, { stream: true });
      } catch {
        return finish(usageError("Cannot read the answer", NOT_UTF8));
      }
      for (const ch of text) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003") {
          return finish(new CredkitError("interrupted", "Interrupted", "Ctrl-C at the prompt"));
        }
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
