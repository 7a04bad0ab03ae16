// A Matrix client of one server showing media of another: matrix-js-sdk makes the URLs of a remote
// mxc:// on its own server's media repository, which fetches the media over federation.
// Usage: node remote.mjs http://127.0.0.1:PORT USER_ID ACCESS_TOKEN mxc://other.server/id EXPECTED.png
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

// As in matrix.mjs: node 20 gets ES2024's Promise.withResolvers, the one thing the SDK needs node 22 for.
Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new this((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};
const { createClient } = await import("matrix-js-sdk");

const [server, userId, accessToken, mxc, expectedPath] = process.argv.slice(2);
assert.ok(server && userId && accessToken && mxc && expectedPath, "usage: remote.mjs SERVER USER_ID TOKEN MXC EXPECTED");
const client = createClient({ baseUrl: server, accessToken, userId, useAuthorizationHeader: true });
const authorized = { headers: { Authorization: `Bearer ${accessToken}` } };
const expected = await readFile(expectedPath);

for (const useAuthentication of [true, false]) {
  const url = client.mxcUrlToHttp(mxc, undefined, undefined, undefined, false, false, useAuthentication);
  assert.ok(url.startsWith(server), url);
  const download = await fetch(url, useAuthentication ? authorized : {});
  assert.equal(download.status, 200, url);
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), expected);

  const thumbnailUrl = client.mxcUrlToHttp(mxc, 64, 64, "crop", false, false, useAuthentication);
  const thumbnail = await fetch(thumbnailUrl, useAuthentication ? authorized : {});
  assert.equal(thumbnail.status, 200, thumbnailUrl);
  assert.match(thumbnail.headers.get("content-type"), /^image\/(jpeg|png)$/);
}

console.log("interop: matrix-js-sdk remote mxc download and thumbnail ok");
