// A local stand-in for the services ipfs_kit talks to (Hugging Face Hub, S3,
// Storacha), started by `credkit server start ipfs-kit-mock` with the same
// credentials the backend tests get, which it checks on every request.
// Listens on 127.0.0.1:$IPFS_KIT_MOCK_PORT (default 8765). Never prints a
// credential.
import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import process from "node:process";
import { s3Signature } from "./_common.mjs";

const env = process.env;
const port = Number(env.IPFS_KIT_MOCK_PORT || "8765");
const objects = new Map();
const blobs = new Map();

const same = (a, b) => {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};
const bearer = (req) => (req.headers.authorization ?? "").replace(/^Bearer /, "");
const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const readBody = (req) =>
  new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });

async function handle(req, res) {
  const url = new URL(req.url, "http://localhost");
  const path = url.pathname;
  if (path === "/health") return res.end("ok");

  if (path.startsWith("/hf/")) {
    if (!env.HF_TOKEN) return json(res, 503, { error: "huggingface is not configured" });
    if (!same(bearer(req), env.HF_TOKEN)) return json(res, 401, { error: "invalid token" });
    if (path === "/hf/api/whoami-v2") return json(res, 200, { name: "credkit-test", type: "user" });
    const repo = path.slice("/hf/api/models/".length);
    if (path.startsWith("/hf/api/models/") && repo === env.HF_TEST_REPO) {
      return json(res, 200, { id: repo });
    }
    return json(res, 404, { error: "no such repository" });
  }

  if (path.startsWith("/s3/")) {
    if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) {
      return json(res, 503, { error: "aws is not configured" });
    }
    const body = await readBody(req);
    const expected = s3Signature(env.AWS_SECRET_ACCESS_KEY, req.method, path, body);
    if (!same(req.headers["x-mock-access-key"], env.AWS_ACCESS_KEY_ID)) {
      return json(res, 403, { error: "unknown access key" });
    }
    if (!same(req.headers["x-mock-signature"], expected)) {
      return json(res, 403, { error: "signature mismatch" });
    }
    if (req.headers["x-mock-region"] !== (env.AWS_REGION || "us-east-1")) {
      return json(res, 400, { error: "wrong region" });
    }
    const [bucket] = path.slice(4).split("/");
    if (bucket !== env.S3_TEST_BUCKET) return json(res, 404, { error: "no such bucket" });
    if (req.method === "PUT") {
      objects.set(path, body);
      return json(res, 200, { etag: createHash("md5").update(body).digest("hex") });
    }
    if (req.method === "GET" && objects.has(path)) return res.end(objects.get(path));
    return json(res, 404, { error: "no such key" });
  }

  if (path.startsWith("/storacha/")) {
    if (!env.W3_TOKEN) return json(res, 503, { error: "storacha is not configured" });
    if (!same(bearer(req), env.W3_TOKEN)) return json(res, 401, { error: "invalid token" });
    if (path === "/storacha/upload" && req.method === "POST") {
      const body = await readBody(req);
      const cid = "bafk" + createHash("sha256").update(body).digest("hex").slice(0, 52);
      blobs.set(cid, body);
      return json(res, 200, { cid });
    }
    const cid = path.slice("/storacha/".length);
    if (blobs.has(cid)) return res.end(blobs.get(cid));
    return json(res, 404, { error: "no such content" });
  }
  json(res, 404, { error: "not found" });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => json(res, 500, { error: String(err.message) }));
  res.on(
    "finish",
    () => console.log(`${req.method} ${new URL(req.url, "http://x").pathname} ${res.statusCode}`),
  );
});
server.listen(port, "127.0.0.1", () => {
  const have = (v) => (env[v] ? "set" : "missing");
  console.log(
    `ipfs_kit mock listening on http://127.0.0.1:${port} (huggingface ${have("HF_TOKEN")}, aws ${
      have("AWS_ACCESS_KEY_ID")
    }, storacha ${have("W3_TOKEN")})`,
  );
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
