/**
 * Finds the executable a command name refers to, the way `execvp` would,
 * against the PATH of the child's environment (not credkit's own).
 *
 * Resolving before spawning lets `run` report precisely "not found" (127,
 * naming the PATH searched) versus "cannot be executed" (126) on every
 * runtime, whatever its `child_process` reports.
 *
 * @module
 */
import * as fs from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** PATH searched when the child environment has none (as `execvp` does). */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** The outcome of {@link resolveCommand}. */
export type ResolvedCommand =
  | { ok: true; path: string }
  | {
    ok: false;
    /** `not_found`: no such file; `permission_denied`: found but not executable. */
    reason: "not_found" | "permission_denied" | "is_directory";
    /** The PATH that was searched, or undefined when the command names a path. */
    searched?: string;
  };

function isExecutableFile(path: string): "yes" | "no_exec" | "dir" | "missing" {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    return "missing";
  }
  if (st.isDirectory()) return "dir";
  if (!st.isFile()) return "no_exec";
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return "yes";
  } catch {
    return "no_exec";
  }
}

/**
 * Resolves `command` against `env.PATH` (or {@link DEFAULT_PATH} when unset).
 * A command containing `/` is taken as a path relative to `cwd`. Empty PATH
 * entries mean the current directory. Directories on PATH that happen to
 * carry the name are skipped; a regular file without execute permission is
 * remembered and reported as `permission_denied` when nothing executable is
 * found.
 *
 * @example
 * ```ts
 * const r = resolveCommand("sh", { PATH: "/usr/bin:/bin" }, "/tmp");
 * if (r.ok) console.log(r.path); // "/usr/bin/sh"
 * ```
 */
export function resolveCommand(
  command: string,
  env: Record<string, string | undefined>,
  cwd: string,
): ResolvedCommand {
  if (command === "") return { ok: false, reason: "not_found", searched: env.PATH ?? DEFAULT_PATH };
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    const kind = isExecutableFile(path);
    if (kind === "yes") return { ok: true, path };
    if (kind === "dir") return { ok: false, reason: "is_directory" };
    return { ok: false, reason: kind === "missing" ? "not_found" : "permission_denied" };
  }
  const searched = env.PATH ?? DEFAULT_PATH;
  let denied = false;
  for (const entry of searched.split(delimiter)) {
    const dir = entry === "" ? cwd : isAbsolute(entry) ? entry : resolve(cwd, entry);
    const path = join(dir, command);
    const kind = isExecutableFile(path);
    if (kind === "yes") return { ok: true, path };
    if (kind === "no_exec") denied = true;
  }
  return { ok: false, reason: denied ? "permission_denied" : "not_found", searched };
}

/** Why a command cannot be started, with the exit code `run` returns for it. */
export interface StartFailure {
  /** Always false: the command did not start. */
  ok: false;
  /** 127: not found; 126: found but cannot be executed. */
  code: 126 | 127;
  /** One clause for a message, e.g. `command not found in PATH=/usr/bin:/bin`. */
  why: string;
}

/**
 * The exit code and reason for a command {@link resolveCommand} could not
 * resolve: 127 when it is not found (naming the PATH searched), 126 when it
 * is a directory or not executable.
 *
 * @example
 * ```ts
 * const r = resolveCommand("nope", { PATH: "/bin" }, "/");
 * if (!r.ok) unresolvedFailure(r); // { ok: false, code: 127, why: "command not found in PATH=/bin" }
 * ```
 */
export function unresolvedFailure(r: Extract<ResolvedCommand, { ok: false }>): StartFailure {
  switch (r.reason) {
    case "not_found":
      return {
        ok: false,
        code: 127,
        why: r.searched === undefined
          ? "no such file or directory"
          : `command not found in PATH=${r.searched}`,
      };
    case "is_directory":
      return { ok: false, code: 126, why: "is a directory" };
    default:
      return { ok: false, code: 126, why: "permission denied" };
  }
}
