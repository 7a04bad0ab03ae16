// Uploads a file in chunks (BUD-14 PATCH /<sha256>), the way a client behind a proxy with a body
// limit would: one `upload` token for every chunk, `lanes` chunks in flight at once, a failed
// chunk retried, and an upload that the server already holds in part resumed from what it holds.
//   NOSTR_SECRET=<hex> node tools/chunked-upload.mjs <base-url> <file> [chunk-MiB=8] [lanes=1]
// Prints one JSON line: {status, seconds, chunks, retries, resumedBytes, descriptor}.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { execFileSync } from "node:child_process";

const [base, file, chunkMiB = "8", lanesArg = "1"] = process.argv.slice(2);
if (!base || !file || !process.env.NOSTR_SECRET) {
  console.error("usage: NOSTR_SECRET=<hex> node tools/chunked-upload.mjs <base-url> <file> [chunk-MiB] [lanes]");
  process.exit(2);
}
const chunkBytes = Math.round(Number(chunkMiB) * 1024 * 1024);
const lanes = Number(lanesArg);
const type = "application/octet-stream";
const maxAttempts = 4;

// The hash streams through: a client never needs the whole file in memory.
const sha256 = await new Promise((resolve, reject) => {
  const hash = createHash("sha256");
  createReadStream(file).on("data", (d) => hash.update(d)).on("end", () => resolve(hash.digest("hex"))).on("error", reject);
});
const size = (await stat(file)).size;
const auth = execFileSync(process.execPath, [new URL("./nostr-auth.mjs", import.meta.url).pathname, "upload", sha256], { encoding: "utf8" }).trim();
const started = performance.now();

// What the server already holds (a partial upload by this pubkey): HEAD answers Upload-Ranges.
const held = [];
const head = await fetch(`${base}/${sha256}`, { method: "HEAD", headers: { Authorization: auth } });
for (const range of (head.headers.get("upload-ranges") ?? "").split(",").map((r) => r.trim()).filter(Boolean)) {
  const [first, last] = range.split("-").map(Number);
  held.push([first, last + 1]);
}
const isHeld = (start, end) => held.some(([a, b]) => a <= start && end <= b);

const offsets = [];
for (let offset = 0; offset < size || (size === 0 && offsets.length === 0); offset += chunkBytes) {
  offsets.push(offset);
  if (size === 0) break;
}
const todo = offsets.filter((o) => !isHeld(o, Math.min(o + chunkBytes, size)));
const resumedBytes = size - todo.reduce((sum, o) => sum + Math.min(chunkBytes, size - o), 0);

const handle = await open(file, "r");
let retries = 0;
let final = null;
async function send(offset) {
  const length = Math.min(chunkBytes, size - offset);
  const body = Buffer.allocUnsafe(length);
  await handle.read(body, 0, length, offset);
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${base}/${sha256}`, {
        method: "PATCH",
        headers: {
          Authorization: auth,
          "Content-Type": "application/octet-stream",
          "Upload-Type": type,
          "Upload-Length": String(size),
          "Upload-Offset": String(offset),
        },
        body,
      });
      if (response.status === 204) return;
      if (response.status === 200 || response.status === 201) {
        final = { status: response.status, descriptor: await response.json() };
        return;
      }
      const reason = response.headers.get("x-reason") ?? "";
      // A refusal is final; a 5xx or 429 is worth another try.
      if (response.status < 500 && response.status !== 429) throw Object.assign(new Error(`chunk at ${offset}: ${response.status} ${reason}`), { final: true });
      throw new Error(`chunk at ${offset}: ${response.status} ${reason}`);
    } catch (error) {
      if (error.final || attempt >= maxAttempts) throw error;
      retries++;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}

let next = 0;
await Promise.all(Array.from({ length: Math.max(1, lanes) }, async () => {
  while (next < todo.length) await send(todo[next++]);
}));
await handle.close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ status: final?.status ?? 204, seconds, chunks: todo.length, retries, resumedBytes, descriptor: final?.descriptor ?? null }));
