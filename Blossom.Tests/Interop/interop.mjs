// Drives a running Blossom server with the JS client Nostr apps use:
// upload (with its HEAD /upload preflight), get, list, delete, and uploadMedia (HEAD /media, then
// PUT /media, whose answer it reads as the optimized blob's descriptor), as blossom-client-sdk does them.
// Usage: node interop.mjs http://127.0.0.1:PORT   (the server in either Media:Mode)
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { generateSecretKey, finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { Actions, createUploadAuth, createDeleteAuth } from "blossom-client-sdk";

const server = process.argv[2];
assert.ok(server, "server URL argument is required");

const secret = generateSecretKey();
const pubkey = getPublicKey(secret);
const signer = async (draft) => finalizeEvent(draft, secret);

// Quotes, a newline and non-ASCII text in the signed content exercise NIP-01 id serialization.
const message = 'Upload "interop" blob\n✓ ümlaut 🌸';
const bytes = new TextEncoder().encode(`interop ${Date.now()} ${Math.random()}`);
const blob = new Blob([bytes], { type: "text/plain" });
const sha256 = createHash("sha256").update(bytes).digest("hex");

const descriptor = await Actions.uploadBlob(server, blob, {
  onAuth: (_server, hash) => createUploadAuth(signer, hash, { message }),
});
assert.equal(descriptor.sha256, sha256);
assert.equal(descriptor.size, bytes.length);
assert.equal(descriptor.type, "text/plain");
assert.ok(descriptor.url.endsWith(`/${sha256}.txt`), descriptor.url);

const again = await Actions.uploadBlob(server, blob, { onAuth: (_s, hash) => createUploadAuth(signer, hash) });
assert.deepEqual(again, descriptor);

const response = await fetch(descriptor.url);
assert.equal(response.status, 200);
assert.equal(response.headers.get("access-control-allow-origin"), "*");
assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);

const listed = await Actions.listBlobs(server, pubkey);
assert.deepEqual(listed, [descriptor]);

const deleted = await Actions.deleteBlob(server, sha256, { onAuth: (_s, hash) => createDeleteAuth(signer, hash) });
assert.equal(deleted, true);
assert.equal((await fetch(descriptor.url)).status, 404);
assert.deepEqual(await Actions.listBlobs(server, pubkey), []);

// A 2x2 PNG with alpha, made differently each run so the server optimizes it afresh.
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR4AWP4z8DwHwyBNBgwMPxnAAAw7AX7yxvdmQAAAABJRU5ErkJggg==",
  "base64",
);
const media = new Blob([png, Buffer.from(`tEXt${Date.now()}${Math.random()}`)], { type: "image/png" });
const optimized = await Actions.uploadMedia(server, media, {
  onAuth: (_server, hash, type) => createUploadAuth(signer, hash, { type, message: "Optimize media" }),
});
assert.equal(optimized.type, "image/webp");
assert.ok(optimized.url.endsWith(`/${optimized.sha256}.webp`), optimized.url);
const webp = new Uint8Array(await (await fetch(optimized.url)).arrayBuffer());
assert.equal(new TextDecoder().decode(webp.slice(8, 12)), "WEBP");
assert.equal(createHash("sha256").update(webp).digest("hex"), optimized.sha256);
assert.equal(optimized.size, webp.length);
assert.deepEqual((await Actions.listBlobs(server, pubkey)).map((b) => b.sha256), [optimized.sha256]);

console.log("interop: upload, get, list, delete, uploadMedia ok");
