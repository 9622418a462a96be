/**
 * Opens the authorization URL: `$BROWSER <url>` when set (the URL as its
 * single argument, as git and Python's webbrowser do), else the platform's
 * opener. The URL is always printed too, so a headless user can copy it.
 *
 * @module
 */
import type { spawn as nodeSpawn } from "node:child_process";

/** Options of {@link openBrowser}. */
export interface OpenBrowserOptions {
  /** The environment (`BROWSER` is read from it). */
  env: Record<string, string | undefined>;
  /** Starts the opener (node's `spawn`). */
  spawn: typeof nodeSpawn;
  /** `process.platform`. */
  platform: string;
}

/**
 * The command that opens `url` here, or `undefined` when there is none.
 *
 * @example
 * ```ts
 * browserCommand("https://a.example/authorize", { BROWSER: "firefox" }, "linux");
 * // ["firefox", ["https://a.example/authorize"]]
 * ```
 */
export function browserCommand(
  url: string,
  env: Record<string, string | undefined>,
  platform: string,
): [string, string[]] | undefined {
  const browser = env.BROWSER?.split(platform === "win32" ? ";" : ":")[0]?.trim();
  if (browser) return [browser, [url]];
  if (platform === "darwin") return ["open", [url]];
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/**
 * Starts the browser on `url` without waiting for it; `false` when it could
 * not be started.
 *
 * @example
 * ```ts
 * await openBrowser(url, { env: process.env, spawn, platform: process.platform });
 * ```
 */
export function openBrowser(url: string, options: OpenBrowserOptions): Promise<boolean> {
  const command = browserCommand(url, options.env, options.platform);
  if (!command) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      const child = options.spawn(command[0], command[1], {
        stdio: "ignore",
        detached: options.platform !== "win32",
        shell: false,
      });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
