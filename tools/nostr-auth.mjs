// Signs what this server's API takes from a Nostr key: `Authorization: Nostr …` header values for curl
// (BUD-11, kind 24242) and report events for PUT /report (BUD-09, NIP-56 kind 1984). The secret key
// comes from NOSTR_SECRET (64 hex); `keygen` makes one. Run without arguments for the list of commands.
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { bytesToHex, hexToBytes } from "nostr-tools/utils";

// The verbs of BUD-11 tokens this server takes: `admin` is its own operator API's.
const verbs = {
  upload: "PUT /upload, PUT /<sha256>, PATCH /<sha256> (chunks), HEAD /upload",
  delete: "DELETE /<sha256>",
  list: "GET /list/<pubkey> when List:RequireAuth is on",
  get: "GET /<sha256> when the server asks for it",
  media: "PUT /media, HEAD /media (BUD-05)",
  admin: "/admin/* (a pubkey of Admin:Pubkeys)",
};
// NIP-56 report types.
const reportTypes = ["nudity", "malware", "profanity", "illegal", "spam", "impersonation", "other"];

const usage = `usage:
  node tools/nostr-auth.mjs keygen                                   a new secret key and its pubkey, as shell variables
  NOSTR_SECRET=<hex> node tools/nostr-auth.mjs <verb> [sha256 ...]   an Authorization header value, valid 10 minutes
  NOSTR_SECRET=<hex> node tools/nostr-auth.mjs report <type> <sha256> [<sha256> ...] [-- <text>]
                                                                     a signed report event (JSON) for PUT /report
verbs (the hashes become x tags, limiting the token to those blobs):
${Object.entries(verbs).map(([verb, what]) => `  ${verb.padEnd(8)}${what}`).join("\n")}
report types: ${reportTypes.join(", ")}`;

const [command, ...rest] = process.argv.slice(2);
if (command === "keygen") {
  const secret = generateSecretKey();
  console.log(`NOSTR_SECRET=${bytesToHex(secret)}`);
  console.log(`NOSTR_PUBKEY=${getPublicKey(secret)}`);
  process.exit(0);
}
if (command === undefined) {
  console.error(usage);
  process.exit(2);
}
if (command === "help" || command === "--help" || command === "-h") {
  console.log(usage);
  process.exit(0);
}
if (command !== "report" && !(command in verbs)) {
  console.error(`unknown command '${command}'\n${usage}`);
  process.exit(2);
}
const isHash = (text) => /^[0-9a-f]{64}$/.test(text);
if (!process.env.NOSTR_SECRET || !/^[0-9a-f]{64}$/i.test(process.env.NOSTR_SECRET)) {
  console.error(`NOSTR_SECRET must hold a 64-hex secret key (make one: node tools/nostr-auth.mjs keygen)\n${usage}`);
  process.exit(2);
}
const secret = hexToBytes(process.env.NOSTR_SECRET.toLowerCase());
const now = Math.floor(Date.now() / 1000);

if (command === "report") {
  const separator = rest.indexOf("--");
  const [type, ...hashes] = separator < 0 ? rest : rest.slice(0, separator);
  const text = separator < 0 ? "" : rest.slice(separator + 1).join(" ");
  if (!reportTypes.includes(type) || hashes.length === 0 || !hashes.every(isHash)) {
    console.error(`a report needs a type and at least one sha256 (64 lowercase hex)\n${usage}`);
    process.exit(2);
  }
  const report = finalizeEvent({ kind: 1984, created_at: now, content: text, tags: hashes.map((x) => ["x", x, type]) }, secret);
  console.log(JSON.stringify(report));
  process.exit(0);
}

const hashes = rest;
if (!hashes.every(isHash)) {
  console.error(`'${hashes.find((h) => !isHash(h))}' is not a sha256 (64 lowercase hex)\n${usage}`);
  process.exit(2);
}
const event = finalizeEvent(
  {
    kind: 24242,
    created_at: now,
    content: `${command} from curl`,
    tags: [["t", command], ["expiration", String(now + 600)], ...hashes.map((x) => ["x", x])],
  },
  secret,
);
console.log("Nostr " + Buffer.from(JSON.stringify(event)).toString("base64url"));
