/**
 * A local HTTP API and OAuth 2 token endpoint for the executor and MCP tests
 * (node:http on 127.0.0.1, random port).
 *
 * Routes:
 * - `/echo/...`: answers JSON with the method, path, request target (as sent,
 *   percent-encoded), query, headers and body
 *   it received, and echoes the Authorization header back in `x-echo`;
 * - `/token`: refresh-token grant, counting hits, issuing `at-<n>` tokens;
 * - `/redirect?to=URL`: 302 to URL;
 * - `/slow`: never answers;
 * - `/status/<code>`: answers that status.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

/** A request the server received. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The running test server. */
export interface TestApi {
  base: string;
  /** Requests to routes other than `/token`. */
  requests: SeenRequest[];
  /** Number of `/token` requests. */
  tokenHits: number;
  /** Access token the next refresh returns (default `at-<n>`). */
  nextAccessToken?: string;
  close(): Promise<void>;
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Starts the server.
 *
 * @example
 * ```ts
 * const api = await startTestApi();
 * await fetch(`${api.base}/echo/x`);
 * await api.close();
 * ```
 */
export async function startTestApi(): Promise<TestApi> {
  const pending = new Set<() => void>();
  const api: TestApi = {
    base: "",
    requests: [],
    tokenHits: 0,
    close: () => Promise.resolve(),
  };
  const server: Server = createServer(async (req, res) => {
    const body = await readAll(req);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/token") {
      api.tokenHits++;
      // Slow enough that concurrent callers overlap.
      await new Promise((r) => setTimeout(r, 50));
      const form = new URLSearchParams(body);
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({
        access_token: api.nextAccessToken ?? `at-refreshed-${api.tokenHits}-abcdef`,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: `rt-rotated-${api.tokenHits}`,
        scope: form.get("scope") ?? "read registry:write",
      }));
      return;
    }
    api.requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body,
    });
    if (url.pathname === "/slow") {
      pending.add(() => res.destroy());
      return;
    }
    if (url.pathname === "/redirect") {
      res.writeHead(302, { location: url.searchParams.get("to") ?? "/" });
      res.end();
      return;
    }
    const status = /^\/status\/(\d+)/.exec(url.pathname);
    if (status) {
      res.writeHead(Number(status[1]), { "content-type": "text/plain" });
      res.end(`status ${status[1]} for ${req.headers.authorization ?? "nobody"}`);
      return;
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "x-echo": String(req.headers.authorization ?? ""),
      "set-cookie": "session=abc; HttpOnly",
    });
    res.end(JSON.stringify({
      method: req.method,
      path: url.pathname,
      target: req.url,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  api.base = `http://127.0.0.1:${port}`;
  api.close = () =>
    new Promise<void>((r) => {
      for (const p of pending) p();
      server.closeAllConnections?.();
      server.close(() => r());
    });
  return api;
}
