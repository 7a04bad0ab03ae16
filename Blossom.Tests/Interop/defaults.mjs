// What a Nostr app does first against a server started with no settings, with blossom-client-sdk:
// an upload whose token is scoped to the server (BUD-11 `server` tag), a delete right after it
// signed by a clock 5 s behind, and uploadMedia of a short 1080p clip, which must answer the
// optimized video's descriptor within the request (the SDK speaks the synchronous BUD-05).
// Usage: node defaults.mjs http://127.0.0.1:PORT clip.mp4
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { generateSecretKey, finalizeEvent, getPublicKey } from "nostr-tools/pure";
import { Actions, createUploadAuth, createDeleteAuth } from "blossom-client-sdk";

const [server, clipPath] = process.argv.slice(2);
assert.ok(server && clipPath, "server URL and clip path arguments are required");

const secret = generateSecretKey();
const pubkey = getPublicKey(secret);
const signer = async (draft) => finalizeEvent(draft, secret);
// A phone whose clock runs 5 s behind signs everything 5 s in the past.
const slowClockSigner = async (draft) => finalizeEvent({ ...draft, created_at: draft.created_at - 5 }, secret);

const bytes = new TextEncoder().encode(`defaults ${Date.now()} ${Math.random()}`);
const blob = new Blob([bytes], { type: "text/plain" });
const sha256 = createHash("sha256").update(bytes).digest("hex");

const descriptor = await Actions.uploadBlob(server, blob, {
  onAuth: (target, hash) => createUploadAuth(signer, hash, { servers: target }),
});
assert.equal(descriptor.sha256, sha256);
assert.deepEqual(await Actions.listBlobs(server, pubkey), [descriptor]);

const deleted = await Actions.deleteBlob(server, sha256, {
  onAuth: (target, hash) => createDeleteAuth(slowClockSigner, hash, { servers: target }),
});
assert.equal(deleted, true);
assert.equal((await fetch(descriptor.url)).status, 404);
assert.deepEqual(await Actions.listBlobs(server, pubkey), []);

const clip = new Blob([await readFile(clipPath)], { type: "video/mp4" });
const optimized = await Actions.uploadMedia(server, clip, {
  onAuth: (target, hash, type) => createUploadAuth(signer, hash, { type, servers: target }),
});
assert.equal(optimized.type, "video/mp4");
assert.ok(optimized.url.endsWith(`/${optimized.sha256}.mp4`), optimized.url);
const mp4 = new Uint8Array(await (await fetch(optimized.url)).arrayBuffer());
assert.equal(createHash("sha256").update(mp4).digest("hex"), optimized.sha256);
assert.equal(optimized.size, mp4.length);
assert.deepEqual((await Actions.listBlobs(server, pubkey)).map((b) => b.sha256), [optimized.sha256]);

console.log("interop: defaults, scoped upload, slow-clock delete, uploadMedia of a video ok");
