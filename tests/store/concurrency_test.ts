import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import process from "node:process";
import { FileBackend } from "../../src/store/file.ts";
import { counterCheck } from "./fixtures/file_writer.ts";
import { KeychainBackend } from "../../src/store/keychain.ts";
import { assertNoSecrets } from "../_helpers.ts";
import { keychainAvailability, keychainTest } from "../_keychain.ts";
import { credkit, runtimes } from "../e2e/_runtimes.ts";

const here = path.dirname(new URL(import.meta.url).pathname);
const writer = path.join(here, "fixtures", "file_writer.ts");
const bunPath = path.resolve(here, "../../node_modules/.bin/bun");
const hasBun = fs.existsSync(bunPath);
if (!hasBun) console.error("concurrency_test: bun not found; all writers run under Deno");

type Runtime = "bun" | "deno";

function writerCommand(runtime: Runtime, args: string[]): Deno.Command {
  const [cmd, pre] = runtime === "bun" && hasBun
    ? [bunPath, [writer]]
    : [Deno.execPath(), ["run", "-A", writer]];
  return new Deno.Command(cmd, {
    args: [...pre, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Reads a child's stdout line by line. */
class Lines {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  /** The next line, or `undefined` at the end of the stream. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buffer += value;
    }
  }
  /** Reads and discards the rest of the stream. */
  async drain(): Promise<void> {
    while (!(await this.#reader.read()).done) { /* discard */ }
  }
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "credkit-conc-"));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Entries of the directory other than the credentials file itself. */
function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n !== "credentials.json");
}

Deno.test("16 processes (Bun and Deno) updating different services at once lose nothing", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "credentials.json");
    const initial = {
      credentials: { huggingface: { token: "hf_x", test_repo: "me/r" } },
      ipfs: { port: 5001 },
    };
    fs.writeFileSync(file, JSON.stringify(initial), { mode: 0o600 });
    const go = path.join(dir, "go");
    const children = Array.from({ length: 16 }, (_, i) => {
      const runtime: Runtime = i % 2 === 0 ? "bun" : "deno";
      const child = writerCommand(runtime, ["update", file, `svc${i}`, go]).spawn();
      return { child, lines: new Lines(child.stdout), runtime };
    });
    // Start all updates at the same moment, once every process is up.
    for (const c of children) assert.deepStrictEqual(await c.lines.next(), "ready");
    fs.writeFileSync(go, "");
    const results = await Promise.all(children.map(async (c) => {
      const line = await c.lines.next();
      await c.lines.drain();
      const [status, stderr] = await Promise.all([
        c.child.status,
        new Response(c.child.stderr).text(),
      ]);
      return { line, status, stderr, runtime: c.runtime };
    }));
    for (const r of results) {
      assert(r.status.success && r.line === "done", `${r.runtime} writer failed: ${r.stderr}`);
    }
    fs.unlinkSync(go);

    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    for (let i = 0; i < 16; i++) {
      assert.deepStrictEqual(doc.credentials[`svc${i}`]?.value, `svc${i}`);
    }
    assert.deepStrictEqual(doc.credentials.huggingface, initial.credentials.huggingface);
    assert.deepStrictEqual(doc.ipfs, initial.ipfs);
    assert.deepStrictEqual((await new FileBackend({ path: file }).list()).length, 17);
    assert.deepStrictEqual(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepStrictEqual(leftovers(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("a lock left by a killed process does not block the next writer", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "credentials.json");
    const holder = writerCommand("bun", ["hold", file]).spawn();
    const lines = new Lines(holder.stdout);
    assert.deepStrictEqual(await lines.next(), "locked");
    assert(fs.existsSync(`${file}.lock`), "the holder owns the lock");
    holder.kill("SIGKILL");
    await holder.status;
    await lines.drain();
    await holder.stderr.cancel();
    assert(fs.existsSync(`${file}.lock`), "the killed holder left its lock behind");

    const started = Date.now();
    await new FileBackend({ path: file }).set("aws", { region: "x" });
    const took = Date.now() - started;
    assert(took < 2000, `breaking the stale lock took ${took} ms`);
    assert.deepStrictEqual(await new FileBackend({ path: file }).get("aws"), { region: "x" });
    assert.deepStrictEqual(leftovers(dir), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("a writer killed with SIGKILL at random moments never leaves a torn or loose file", async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, "credentials.json");
    const rounds = 20;
    let last = 0;
    let staleLocks = 0;
    for (let round = 0; round < rounds; round++) {
      const runtime: Runtime = round % 4 === 3 ? "deno" : "bun";
      const child = writerCommand(runtime, ["loop", file]).spawn();
      const lines = new Lines(child.stdout);
      // Wait for this writer's first own write: it had to get past any stale lock.
      let printed = 0;
      for (;;) {
        const line = await lines.next();
        if (line === undefined) {
          throw new Error(`writer died: ${await new Response(child.stderr).text()}`);
        }
        printed = Number(line);
        if (printed > last) break;
      }
      await sleep(5 + Math.random() * 75);
      child.kill("SIGKILL");
      await child.status;
      await lines.drain();
      await child.stderr.cancel();
      if (fs.existsSync(`${file}.lock`)) staleLocks++;

      const st = fs.statSync(file);
      assert.deepStrictEqual(st.mode & 0o777, 0o600, `round ${round}: mode`);
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      const n = Number(doc.credentials.counter.n);
      assert(n >= printed, `round ${round}: file has ${n}, the writer had written ${printed}`);
      assert(n > last, `round ${round}: counter went from ${last} to ${n}`);
      assert(doc.credentials.counter.check === counterCheck(n), `round ${round}: torn entry`);
      last = n;
    }
    console.error(`crash test: ${rounds} kills, ${staleLocks} left a stale lock, counter ${last}`);

    // The next writer breaks any stale lock and sweeps temporary files of dead writers.
    await new FileBackend({ path: file }).update("counter", (cur) => ({ ...cur, done: "yes" }));
    assert.deepStrictEqual(leftovers(dir), []);
    assert.deepStrictEqual(fs.statSync(file).mode & 0o777, 0o600);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------
// The keychain: 8 `credkit add` processes of the compiled binary, one field each.

const keychain = await keychainAvailability();
const binary = runtimes().find((r) => r.name === "binary");

if (binary) {
  keychainTest(
    keychain,
    "[binary] 8 concurrent credkit add to one keychain service keep all 8 fields",
    async () => {
      const home = tempDir();
      const service = `credkit-conc-${process.pid}-${Date.now().toString(36)}`;
      const fields = Array.from({ length: 8 }, (_, i) => `f${i}`);
      const config = path.join(home, "credkit.json");
      fs.writeFileSync(
        config,
        JSON.stringify({
          services: {
            multi: {
              fields: Object.fromEntries(
                fields.map((f) => [f, { env: [`MULTI_${f.toUpperCase()}`], secret: true }]),
              ),
            },
          },
        }),
      );
      const env = {
        CREDKIT_HOME: home,
        CREDKIT_KEYCHAIN_SERVICE: service,
        CREDKIT_STORE: "keychain",
        CI: "true",
      };
      const secretOf = (f: string) => `v-${f}-${crypto.randomUUID()}`;
      const values = Object.fromEntries(fields.map((f) => [f, secretOf(f)]));
      try {
        const results = await Promise.all(
          fields.map((f) =>
            credkit(binary, ["add", "multi", "--stdin", "--config", config], {
              env,
              stdin: `${f}=${values[f]}\n`,
            })
          ),
        );
        for (const r of results) {
          assert.deepStrictEqual(r.code, 0, r.err);
          assertNoSecrets(r.out + r.err, Object.values(values));
        }
        const stored = await new KeychainBackend({ service }).get("multi");
        assert.deepStrictEqual(
          Object.keys(stored ?? {}).sort(),
          fields,
          `only ${Object.keys(stored ?? {}).length} of 8 fields survived`,
        );
        assert.deepStrictEqual(stored, values);
      } finally {
        await new KeychainBackend({ service }).remove("multi");
        fs.rmSync(home, { recursive: true, force: true });
      }
    },
  );
} else {
  console.error("concurrency_test: keychain processes test not registered: CREDKIT_BIN is not set");
}
