/**
 * The loopback redirect receiver (RFC 8252 §7.3): an HTTP server on
 * 127.0.0.1 that takes exactly one `/callback` with the expected `state`.
 *
 * @module
 */
import { createServer, type Server } from "node:http";

/** A listening callback server. */
export interface LoopbackCallback {
  /** `http://127.0.0.1:<port>/callback` */
  redirectUri: string;
  /** The port it listens on. */
  port: number;
  /** Resolves with the `code` of the callback carrying `state`; rejects on an error answer. */
  waitForCode(state: string, timeoutMs: number): Promise<string>;
  /** Stops listening. */
  close(): void;
}

const PAGE = (text: string) =>
  `<!doctype html><meta charset="utf-8"><title>credkit</title><p>${text}</p>`;

/**
 * Listens on 127.0.0.1 (`port` 0: a random free port).
 *
 * @example
 * ```ts
 * const cb = await listenLoopback(0);
 * const code = await cb.waitForCode(state, 300000);
 * cb.close();
 * ```
 */
export function listenLoopback(port = 0): Promise<LoopbackCallback> {
  let expected: string | undefined;
  let settle: ((r: { code?: string; error?: string }) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") {
      res.writeHead(404).end();
      return;
    }
    const state = url.searchParams.get("state");
    if (!expected || state !== expected) {
      res.writeHead(400, { "content-type": "text/html" }).end(PAGE("Unknown sign-in request."));
      return;
    }
    const code = url.searchParams.get("code") ?? undefined;
    const error = url.searchParams.get("error") ?? (code ? undefined : "no code");
    res.writeHead(error ? 400 : 200, { "content-type": "text/html", connection: "close" }).end(
      PAGE(error ? "Sign-in failed; see the terminal." : "Signed in. You can close this tab."),
    );
    settle?.({ code, error });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : port;
      resolve({
        port: bound,
        redirectUri: `http://127.0.0.1:${bound}/callback`,
        waitForCode(state, timeoutMs) {
          expected = state;
          return new Promise<string>((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error("no answer from the browser in time")),
              timeoutMs,
            );
            settle = (r) => {
              clearTimeout(timer);
              if (r.code && !r.error) done(r.code);
              else fail(new Error(`the authorization server answered ${r.error}`));
            };
          });
        },
        close() {
          server.closeAllConnections?.();
          server.close();
        },
      });
    });
  });
}
