// s3rver with the one call of a multipart upload's life it lacks, AbortMultipartUpload
// (DELETE /bucket/key?uploadId=...), so the tests can see that a refused upload leaves no parts behind.
// Arguments as s3rver's own command line: -d <folder> -a <address> -p <port>; it prints the same
// "S3rver listening on <address>:<port>" line once it listens.
'use strict';
const fs = require('fs');
const path = require('path');
const S3rver = require('s3rver');

const args = process.argv.slice(2);
const option = name => args[args.indexOf(name) + 1];
const directory = option('-d');
const server = new S3rver({ directory, address: option('-a'), port: Number(option('-p')), vhostBuckets: false, silent: true });

// First in line: s3rver's own router answers this call 405.
server.middleware.unshift(async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method !== 'DELETE' || typeof uploadId !== 'string') return next();
  // Where s3rver's file store keeps an upload's parts until its completion.
  const bucket = ctx.path.split('/')[1];
  const folder = path.join(directory, path.basename(bucket), '._S3rver_uploads', path.basename(uploadId));
  if (!fs.existsSync(folder)) {
    ctx.status = 404;
    ctx.type = 'application/xml';
    ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
    return;
  }
  await fs.promises.rm(folder, { recursive: true, force: true });
  ctx.status = 204;
});

server.run().then(
  ({ address, port }) => console.log('S3rver listening on %s:%d', address, port),
  error => {
    console.error(error);
    process.exit(1);
  });
