// Many small authenticated uploads at once: CLIENTS loops, each PUTting a distinct random blob
// with its own kind 24242 token (t=upload, x=<its sha256>), for SECONDS or until COUNT are done.
// Every token is signed before the clock starts, so the figures are the server's, not the signer's.
//   NOSTR_SECRET=<hex> node bench/upload-load.mjs <base url>[,<base url>...] [clients=32] [seconds=10] [count=10000] [bytes=1024]
// Several base URLs (nodes of one cluster) share the clients round-robin.
// SERVER_PID=<pid> (a server on this machine) adds server_cpu_ms: its CPU time (user + system) per
// upload over the timed part alone, read from /proc before and after.
// WARMUPS (default 10000) uploads go first, untimed: they open the connections and let the JIT's
// tiering settle, so the figures are the server's steady state. After a few dozen uploads the
// server still spends half its CPU compiling; on PostgreSQL, 4000 uploads in, a fifth of its
// samples were still the JIT's (perf), and after 2000 it used 2.3 ms of CPU an upload against 1.0 warm.
// Prints shell assignments: uploads, seconds, per_second, p50_ms, p99_ms, max_ms, failed, statuses[, server_cpu_ms].
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// nostr-tools lives in tools/node_modules; its WebAssembly signer is ~10x faster than the pure one.
const require = createRequire(new URL("../tools/package.json", import.meta.url));
const { finalizeEvent, setNostrWasm } = require("nostr-tools/wasm");
const { initNostrWasm } = require("nostr-wasm");
const { hexToBytes } = require("nostr-tools/utils");

const [base, clients = "32", seconds = "10", count = "10000", bytes = "1024"] = process.argv.slice(2);
if (!base || !process.env.NOSTR_SECRET) {
  console.error("usage: NOSTR_SECRET=<hex> node bench/upload-load.mjs <base url> [clients] [seconds] [count] [bytes]");
  process.exit(2);
}
setNostrWasm(await initNostrWasm());
const secret = hexToBytes(process.env.NOSTR_SECRET);
const nClients = Number(clients);
const warmups = Math.max(nClients, Number(process.env.WARMUPS ?? 10000));
const total = Number(count) + warmups;

const now = Math.floor(Date.now() / 1000);
const jobs = [];
for (let i = 0; i < total; i++) {
  const body = randomBytes(Number(bytes));
  const hash = createHash("sha256").update(body).digest("hex");
  const event = finalizeEvent(
    {
      kind: 24242,
      created_at: now,
      content: "upload from bench",
      tags: [["t", "upload"], ["x", hash], ["expiration", String(now + 1800)]],
    },
    secret,
  );
  jobs.push({
    body,
    headers: {
      "Content-Type": "application/octet-stream",
      "X-SHA-256": hash,
      Authorization: "Nostr " + Buffer.from(JSON.stringify(event)).toString("base64url"),
    },
  });
}

const urls = base.split(",").map((b) => new URL("/upload", b).toString());
const statuses = {};
async function put(job, client) {
  const res = await fetch(urls[client % urls.length], { method: "PUT", body: job.body, headers: job.headers });
  await res.arrayBuffer();
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  return res.status;
}

let next = 0;
await Promise.all(Array.from({ length: nClients }, async (_, client) => {
  while (next < warmups) await put(jobs[next++], client);
}));
for (const key of Object.keys(statuses)) delete statuses[key];

// utime + stime of /proc/<pid>/stat, in clock ticks (100 per second on Linux).
const serverTicks = () => {
  const stat = readFileSync(`/proc/${process.env.SERVER_PID}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
};
const ticks0 = process.env.SERVER_PID ? serverTicks() : 0;

const latencies = [];
let failed = 0;
const start = performance.now();
const deadline = start + Number(seconds) * 1000;
await Promise.all(Array.from({ length: nClients }, async (_, client) => {
  while (next < total && performance.now() < deadline) {
    const job = jobs[next++];
    const t0 = performance.now();
    const status = await put(job, client).catch(() => 0);
    latencies.push(performance.now() - t0);
    if (status !== 201) failed++;
  }
}));
const elapsed = (performance.now() - start) / 1000;
const ticks = process.env.SERVER_PID ? serverTicks() - ticks0 : 0;

latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
const out = {
  uploads: latencies.length,
  seconds: elapsed.toFixed(2),
  per_second: (latencies.length / elapsed).toFixed(0),
  p50_ms: pct(50).toFixed(1),
  p99_ms: pct(99).toFixed(1),
  max_ms: latencies[latencies.length - 1].toFixed(1),
  failed,
  statuses: `'${JSON.stringify(statuses)}'`,
};
if (process.env.SERVER_PID) out.server_cpu_ms = ((ticks * 10) / latencies.length).toFixed(2);
for (const [k, v] of Object.entries(out)) console.log(`${k}=${v}`);
