// What the browser scripts share: headless Chromium, a fake NIP-07 extension (window.nostr) signing
// with a given key as nos2x does after "always allow", test pictures, and checks that fail loudly.
import { deflateSync } from "node:zlib";
import { randomBytes, createHash } from "node:crypto";
import { chromium } from "playwright-core";
import { finalizeEvent, getPublicKey } from "nostr-tools/pure";

/** A key and its pubkey: the secret given as bytes, or derived from a name (the same on every run). */
export function keyPair(nameOrSecret) {
  const secretKey = typeof nameOrSecret === "string" ? Uint8Array.from(createHash("sha256").update(nameOrSecret).digest()) : Uint8Array.from(nameOrSecret);
  return { secretKey, pubkey: getPublicKey(secretKey) };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A page (in its own context, so its storage is its own) whose window.nostr signs with the key. */
export async function pageSigningWith(browser, { secretKey, pubkey }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000);
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.exposeFunction("__nip07GetPublicKey", () => pubkey);
  await page.exposeFunction("__nip07SignEvent", (draft) => finalizeEvent(draft, secretKey));
  await page.addInitScript(() => {
    window.nostr = {
      getPublicKey: () => window.__nip07GetPublicKey(),
      signEvent: (draft) => window.__nip07SignEvent(draft),
    };
  });
  return page;
}

export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A 96×96 RGB gradient PNG with a random tint and a random tEXt chunk: a new hash on every run. */
export function randomPng(size = 96) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolor
  const [r, g, b] = randomBytes(3);
  const pixels = Buffer.alloc(size * (1 + size * 3)); // each row: filter byte 0, then RGB
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const at = y * (1 + size * 3) + 1 + x * 3;
      pixels[at] = (r + x * 2) & 0xff;
      pixels[at + 1] = (g + y * 2) & 0xff;
      pixels[at + 2] = (b + x + y) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("tEXt", Buffer.from(`Comment\0${randomBytes(16).toString("hex")}`, "latin1")),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** A BUD-11 Authorization header value signed with the key. */
export function token({ secretKey }, verb, hashes = []) {
  const now = Math.floor(Date.now() / 1000);
  const event = finalizeEvent({
    kind: 24242, created_at: now, content: `test ${verb}`,
    tags: [["t", verb], ["expiration", String(now + 600)], ...hashes.map((hash) => ["x", hash])],
  }, secretKey);
  return `Nostr ${Buffer.from(JSON.stringify(event)).toString("base64url")}`;
}

/** Uploads bytes through the API (PUT /upload) as the key's owner; answers the descriptor. */
export async function uploadBlob(server, keys, bytes, type) {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const response = await fetch(`${server}/upload`, {
    method: "PUT", body: bytes,
    headers: { "Content-Type": type, "X-SHA-256": sha256, Authorization: token(keys, "upload", [sha256]) },
  });
  check(response.ok, `PUT /upload answered ${response.status} ${response.headers.get("X-Reason") || ""}`);
  return response.json();
}
