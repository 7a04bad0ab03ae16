// Drives the server's Matrix content repository with matrix-js-sdk, the library Element and most
// JS Matrix clients use, as a client behind a homeserver's reverse proxy would: config, upload,
// create + asynchronous upload (MSC2246, through the SDK's authenticated HTTP layer, which has no
// helper for it) with a download waiting for it, downloads and thumbnails by the SDK's mxc URLs in
// both route families, preview_url of a page (through the SDK's HTTP layer: getUrlPreview first asks
// the homeserver's /versions, which a media repository does not serve), and the SDK's error for an
// unknown token.
// Usage: node matrix.mjs http://127.0.0.1:PORT SERVER_NAME ACCESS_TOKEN IMAGE.png PAGE_URL
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

// The SDK asks for node 22 for ES2024's Promise.withResolvers alone among what these calls use;
// node 20 gets the standard's own definition.
Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new this((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};
const { createClient, ClientPrefix, MatrixError, Method, MediaPrefix } = await import("matrix-js-sdk");

const [server, serverName, accessToken, imagePath, pageUrl] = process.argv.slice(2);
assert.ok(server && serverName && accessToken && imagePath && pageUrl, "usage: matrix.mjs SERVER SERVER_NAME TOKEN IMAGE PAGE_URL");

const client = createClient({ baseUrl: server, accessToken, userId: "@alice:" + serverName, useAuthorizationHeader: true });
const authorized = { headers: { Authorization: `Bearer ${accessToken}` } };

// config, both families.
const config = await client.getMediaConfig(true);
assert.ok(config["m.upload.size"] > 0, JSON.stringify(config));
assert.deepEqual(await client.getMediaConfig(false), config);

// upload, with a file name the server must give back on download.
const text = new TextEncoder().encode(`matrix interop ${Date.now()} ${Math.random()}`);
const uploaded = await client.uploadContent(Buffer.from(text), { name: "notes ü.txt", type: "text/plain" });
assert.match(uploaded.content_uri, new RegExp(`^mxc://${serverName}/[A-Za-z0-9_-]+$`));

const authenticatedUrl = client.mxcUrlToHttp(uploaded.content_uri, undefined, undefined, undefined, false, false, true);
assert.ok(authenticatedUrl.startsWith(`${server}/_matrix/client/v1/media/download/`), authenticatedUrl);
// The SDK's authenticated URLs always allow a redirect, which the server takes: to the blob's own URL.
const download = await fetch(authenticatedUrl, authorized);
assert.equal(download.status, 200);
assert.ok(download.redirected, download.url);
assert.deepEqual(new Uint8Array(await download.arrayBuffer()), text);

const legacyUrl = client.mxcUrlToHttp(uploaded.content_uri);
assert.ok(legacyUrl.startsWith(`${server}/_matrix/media/v3/download/`), legacyUrl);
const legacy = await fetch(legacyUrl);
assert.equal(legacy.status, 200);
assert.deepEqual(new Uint8Array(await legacy.arrayBuffer()), text);
assert.match(legacy.headers.get("content-disposition") ?? "", /filename\*=UTF-8''notes%20%C3%BC\.txt/);

// create, then a download that waits for the bytes, then the upload to the created id.
const created = await client.http.authedRequest(Method.Post, "/create", undefined, {}, { prefix: MediaPrefix.V1 });
assert.match(created.content_uri, new RegExp(`^mxc://${serverName}/`));
assert.ok(created.unused_expires_at > Date.now(), JSON.stringify(created));
const [, mediaId] = created.content_uri.slice("mxc://".length).split("/");
const waiting = fetch(client.mxcUrlToHttp(created.content_uri, undefined, undefined, undefined, false, false, true) + "&timeout_ms=20000", authorized);
const image = await readFile(imagePath);
const put = await client.http.authedRequest(Method.Put, `/upload/${encodeURIComponent(serverName)}/${encodeURIComponent(mediaId)}`,
  { filename: "cover.png" }, image, { prefix: MediaPrefix.V3, headers: { "Content-Type": "image/png" } });
assert.deepEqual(put, {});
const waited = await waiting;
assert.equal(waited.status, 200);
assert.deepEqual(Buffer.from(await waited.arrayBuffer()), image);

// A second upload to the same id is the SDK's MatrixError with the spec's code.
await assert.rejects(
  client.http.authedRequest(Method.Put, `/upload/${serverName}/${mediaId}`, undefined, image, { prefix: MediaPrefix.V3, headers: { "Content-Type": "image/png" } }),
  (e) => e instanceof MatrixError && e.errcode === "M_CANNOT_OVERWRITE_MEDIA" && e.httpStatus === 409);

// thumbnails, both families.
for (const useAuthentication of [true, false]) {
  const url = client.mxcUrlToHttp(created.content_uri, 64, 64, "scale", false, false, useAuthentication);
  assert.ok(url.includes("/thumbnail/"), url);
  const thumbnail = await fetch(url, useAuthentication ? authorized : {});
  assert.equal(thumbnail.status, 200, url);
  assert.match(thumbnail.headers.get("content-type"), /^image\/(jpeg|png)$/);
  assert.ok((await thumbnail.arrayBuffer()).byteLength > 0);
}

// preview_url, as getUrlPreview sends it to a Matrix 1.11 server, and its image by the SDK's URL.
const preview = await client.http.authedRequest(Method.Get, "/media/preview_url", { url: pageUrl, ts: String(Math.floor(Date.now() / 60000) * 60000) },
  undefined, { prefix: ClientPrefix.V1 });
assert.equal(preview["og:title"], "Interop page", JSON.stringify(preview));
assert.equal(preview["matrix:image:size"], image.length, JSON.stringify(preview));
const previewImage = await fetch(client.mxcUrlToHttp(preview["og:image"], undefined, undefined, undefined, false, false, true), authorized);
assert.deepEqual(Buffer.from(await previewImage.arrayBuffer()), image);

// An unknown token: the SDK's MatrixError, as it reads it from any homeserver.
const stranger = createClient({ baseUrl: server, accessToken: "syt_unknown", userId: "@mallory:" + serverName, useAuthorizationHeader: true });
await assert.rejects(stranger.uploadContent(Buffer.from(text), { type: "text/plain" }),
  (e) => e instanceof MatrixError && e.errcode === "M_UNKNOWN_TOKEN" && e.httpStatus === 401);

console.log("interop: matrix-js-sdk config, uploadContent, create + upload to it, download (waiting), thumbnail, preview_url ok");
