// Drives a multi-part upload (BUD-14) the way a browser client does it: fetch with PATCH, one
// blossom-client-sdk upload token for every chunk, chunks out of order and two at once, the resume
// headers of HEAD /<sha256> read in between, and CORS checked as a page on another origin needs it.
// Usage: node chunked-upload.mjs http://127.0.0.1:PORT
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { generateSecretKey, finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { createUploadAuth, encodeAuthorizationHeader } from "blossom-client-sdk";

const server = process.argv[2];
assert.ok(server, "server URL argument is required");

const secret = generateSecretKey();
const pubkey = getPublicKey(secret);
const signer = async (draft) => finalizeEvent(draft, secret);

const chunkBytes = 256 * 1024;
const bytes = randomBytes(5 * chunkBytes + 1234);
const sha256 = createHash("sha256").update(bytes).digest("hex");
const authorization = encodeAuthorizationHeader(await createUploadAuth(signer, sha256, { message: "Upload in chunks" }));
const origin = "https://client.example";

const preflight = await fetch(`${server}/${sha256}`, {
  method: "OPTIONS",
  headers: { Origin: origin, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization,content-type,upload-type,upload-length,upload-offset" },
});
assert.equal(preflight.status, 204);
assert.match(preflight.headers.get("access-control-allow-methods"), /\bPATCH\b/);
for (const header of ["Upload-Type", "Upload-Length", "Upload-Offset"]) assert.match(preflight.headers.get("access-control-allow-headers"), new RegExp(header));

const options = await fetch(`${server}/${sha256}`, { method: "OPTIONS" });
assert.equal(options.status, 204);
assert.match(options.headers.get("allow"), /\bPATCH\b/);

function patch(offset, length = chunkBytes) {
  return fetch(`${server}/${sha256}.bin`, {
    method: "PATCH",
    headers: {
      Origin: origin,
      Authorization: authorization,
      "Content-Type": "application/octet-stream",
      "Upload-Type": "application/pdf",
      "Upload-Length": String(bytes.length),
      "Upload-Offset": String(offset),
    },
    body: bytes.subarray(offset, Math.min(offset + length, bytes.length)),
  });
}

// The last chunk first, then the first two at once.
const last = await patch(5 * chunkBytes);
assert.equal(last.status, 204, last.headers.get("x-reason"));
const firstTwo = await Promise.all([patch(0), patch(chunkBytes)]);
for (const response of firstTwo) assert.equal(response.status, 204, response.headers.get("x-reason"));

// A client that lost its local state asks what the server holds.
const head = await fetch(`${server}/${sha256}`, { method: "HEAD", headers: { Origin: origin, Authorization: authorization } });
assert.equal(head.status, 404);
assert.equal(head.headers.get("access-control-allow-origin"), "*");
assert.equal(head.headers.get("upload-offset"), String(2 * chunkBytes));
assert.equal(head.headers.get("upload-length"), String(bytes.length));
assert.equal(head.headers.get("upload-type"), "application/pdf");
assert.equal(head.headers.get("upload-ranges"), `0-${2 * chunkBytes - 1}, ${5 * chunkBytes}-${bytes.length - 1}`);
assert.ok(Date.parse(head.headers.get("upload-expires")) > Date.now() - 1000, head.headers.get("upload-expires"));
assert.match(head.headers.get("access-control-expose-headers"), /Upload-Offset/);

// It resumes from Upload-Offset with one overlapping chunk covering the gap.
const resumeAt = Number(head.headers.get("upload-offset"));
const done = await patch(resumeAt - 1000, 5 * chunkBytes - resumeAt + 1000);
assert.equal(done.status, 201, done.headers.get("x-reason"));
const descriptor = await done.json();
assert.equal(descriptor.sha256, sha256);
assert.equal(descriptor.size, bytes.length);
assert.equal(descriptor.type, "application/pdf");
assert.equal(done.headers.get("location"), descriptor.url);

const stored = await fetch(descriptor.url);
assert.equal(stored.status, 200);
assert.deepEqual(Buffer.from(await stored.arrayBuffer()), bytes);
const listed = await (await fetch(`${server}/list/${pubkey}`)).json();
assert.deepEqual(listed.map((b) => b.sha256), [sha256]);

console.log("interop: chunked upload with PATCH ok");
