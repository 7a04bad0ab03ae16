// Uploads a file in chunks (BUD-14 PATCH /<sha256>), the way a client behind a proxy with a body
// limit would: one `upload` token for every chunk, `lanes` chunks in flight at once, a failed chunk
// retried, and an upload the server already holds in part resumed from what it holds (asked with
// HEAD /<sha256>, so running it again after an interruption sends only the rest). A file the server
// already has is not sent again.
//   NOSTR_SECRET=<hex> node tools/chunked-upload.mjs [--type <media type>] <base-url> <file> [chunk-MiB=8] [lanes=1]
// The type defaults to the one the file name says (video.mp4: video/mp4), else application/octet-stream.
// Progress goes to stderr when it is a terminal; stdout gets one JSON line:
// {status, seconds, chunks, retries, resumedBytes, alreadyStored, descriptor}.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { extname } from "node:path";
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";

const usage = "usage: NOSTR_SECRET=<hex> node tools/chunked-upload.mjs [--type <media type>] <base-url> <file> [chunk-MiB=8] [lanes=1]";
let parsed;
try {
  parsed = parseArgs({ options: { type: { type: "string" } }, allowPositionals: true });
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const [base, file, chunkMiB = "8", lanesArg = "1"] = parsed.positionals;
if (!base || !file || !process.env.NOSTR_SECRET) {
  console.error(usage);
  process.exit(2);
}
const chunkBytes = Math.round(Number(chunkMiB) * 1024 * 1024);
const lanes = Number(lanesArg);
if (!(chunkBytes > 0) || !(lanes >= 1)) {
  console.error(`chunk-MiB and lanes must be positive numbers\n${usage}`);
  process.exit(2);
}

// The types a file name most often says; anything else is sent as bytes, and the server may know better.
const typesByExtension = {
  ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm", ".mkv": "video/x-matroska",
  ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg", ".opus": "audio/ogg", ".wav": "audio/wav", ".flac": "audio/flac",
  ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
  ".avif": "image/avif", ".heic": "image/heic", ".svg": "image/svg+xml",
  ".pdf": "application/pdf", ".zip": "application/zip", ".txt": "text/plain", ".json": "application/json",
};
const type = parsed.values.type ?? typesByExtension[extname(file).toLowerCase()] ?? "application/octet-stream";
const maxAttempts = 4;
const showProgress = process.stderr.isTTY;

// The hash streams through: a client never needs the whole file in memory.
const sha256 = await new Promise((resolve, reject) => {
  const hash = createHash("sha256");
  createReadStream(file).on("data", (d) => hash.update(d)).on("end", () => resolve(hash.digest("hex"))).on("error", reject);
});
const size = (await stat(file)).size;
const auth = execFileSync(process.execPath, [new URL("./nostr-auth.mjs", import.meta.url).pathname, "upload", sha256], { encoding: "utf8" }).trim();
const started = performance.now();
const report = (fields) => console.log(JSON.stringify({ status: 204, seconds: (performance.now() - started) / 1000, chunks: 0, retries: 0, resumedBytes: 0, alreadyStored: false, descriptor: null, ...fields }));

// What the server already holds: the whole blob (200), or a partial upload by this pubkey (404 with Upload-Ranges).
const head = await fetch(`${base}/${sha256}`, { method: "HEAD", headers: { Authorization: auth } });
if (head.status === 200) {
  report({ status: 200, alreadyStored: true, resumedBytes: size });
  process.exit(0);
}
const held = [];
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

let sentBytes = 0;
function progress() {
  if (!showProgress) return;
  const done = resumedBytes + sentBytes;
  const percent = size === 0 ? 100 : Math.floor((done * 100) / size);
  process.stderr.write(`\r${percent}% of ${(size / 1048576).toFixed(1)} MiB${resumedBytes > 0 ? ` (${(resumedBytes / 1048576).toFixed(1)} MiB were already there)` : ""}   `);
}
progress();

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
      if (response.status === 204 || response.status === 200 || response.status === 201) {
        if (response.status !== 204) final = { status: response.status, descriptor: await response.json() };
        sentBytes += length;
        progress();
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
try {
  await Promise.all(Array.from({ length: Math.max(1, lanes) }, async () => {
    while (next < todo.length) await send(todo[next++]);
  }));
} catch (error) {
  if (showProgress) process.stderr.write("\n");
  console.error(`${error.message}; run the same command again to resume from what the server holds`);
  process.exit(1);
} finally {
  await handle.close();
}
if (showProgress) process.stderr.write("\n");
report({ status: final?.status ?? 204, chunks: todo.length, retries, resumedBytes, descriptor: final?.descriptor ?? null });
