// Prints an `Authorization: Nostr …` header value for curl (BUD-11, kind 24242).
//   NOSTR_SECRET=<64 hex> node tools/nostr-auth.mjs <verb> [sha256 ...]
//   node tools/nostr-auth.mjs keygen        -> a new secret key and its pubkey
// verb: upload, delete, list, get, media, or admin (this server's operator API). The token expires in 10 minutes.
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { bytesToHex, hexToBytes } from "nostr-tools/utils";

const [verb, ...hashes] = process.argv.slice(2);
if (verb === "keygen") {
  const secret = generateSecretKey();
  console.log(`NOSTR_SECRET=${bytesToHex(secret)}`);
  console.log(`NOSTR_PUBKEY=${getPublicKey(secret)}`);
  process.exit(0);
}
if (!verb || !process.env.NOSTR_SECRET) {
  console.error("usage: NOSTR_SECRET=<hex> node tools/nostr-auth.mjs <upload|delete|list|get|media|admin> [sha256 ...]");
  process.exit(2);
}
const now = Math.floor(Date.now() / 1000);
const event = finalizeEvent(
  {
    kind: 24242,
    created_at: now,
    content: `${verb} from curl`,
    tags: [["t", verb], ["expiration", String(now + 600)], ...hashes.map((x) => ["x", x])],
  },
  hexToBytes(process.env.NOSTR_SECRET),
);
console.log("Nostr " + Buffer.from(JSON.stringify(event)).toString("base64url"));
