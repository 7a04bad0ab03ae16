// Load for bench/growth.sh. Each mode prints shell assignments (name=value lines) for the script.
//   node bench/growth.mjs latency <url> <method> <count> <concurrency>
//       COUNT requests of METHOD (GET or HEAD) at URL, CONCURRENCY at a time over keep-alive
//       connections, after a warm-up of 2 x CONCURRENCY: p50_ms, p99_ms, failed, counted, statuses.
//   NOSTR_SECRET=<hex> node bench/growth.mjs upload <base> <count> <concurrency> [bytes=1024]
//       The same figures for PUT /upload of COUNT new random blobs, each token signed before the clock starts.
//   node bench/growth.mjs media <base> <image dir> <count> <concurrency> <events file>
//       PUT /media (Prefer: respond-async) of the first COUNT JPEGs in the dir, each by its own new key
//       (the per-pubkey limit on unfinished tasks stays as configured), CONCURRENCY at a time; then
//       follows every admitted task with GET /media/<id>?wait=30 until it ends. Prints the admission
//       figures (admit_p50_ms, admit_p99_ms, admit_max_ms, queued_p99_ms, refused_p99_ms, queued,
//       refused, other), ended, complete,
//       drain_s (first submission to last end) and per_second; EVENTS gets "<unix s> <tasks ended>" lines.
//   node bench/growth.mjs hold <host> <port> <count> <ready file>
//       Opens COUNT keep-alive connections, each after one GET /healthz, and holds them idle until
//       killed; touches READY once all answered.
//   node bench/growth.mjs longpoll <url> <count> <ready file>
//       Keeps COUNT GET URL requests (a ?wait=N long-poll) in flight, each on its own connection,
//       reissuing each as it returns, until killed; touches READY once all are sent.
import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { createRequire } from "node:module";
import { join } from "node:path";

const [mode, ...args] = process.argv.slice(2);

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
}

function request(agent, url, method, headers = {}, body = null) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request(url, { method, agent, headers }, (res) => {
      res.on("data", () => {});
      res.on("end", () => {
        resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6 });
      });
    });
    req.on("error", () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
    req.end(body ?? undefined);
  });
}

// Like request, keeping the body (a JSON task).
function requestJson(agent, url, method, headers = {}, body = null) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const req = http.request(url, { method, agent, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - start) / 1e6, json });
      });
    });
    req.on("error", () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - start) / 1e6, json: null }));
    req.end(body ?? undefined);
  });
}

// Runs jobs (functions returning {status, ms}) CONCURRENCY at a time; the first `warmups` are not counted.
async function drive(jobs, concurrency, warmups) {
  const times = [];
  const statuses = {};
  let next = 0;
  async function loop() {
    while (next < jobs.length) {
      const i = next++;
      const r = await jobs[i]();
      if (i < warmups) continue;
      times.push(r.ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  times.sort((a, b) => a - b);
  return { times, statuses };
}

function printLatency({ times, statuses }, ok) {
  const failed = Object.entries(statuses).filter(([s]) => !ok.includes(Number(s))).reduce((n, [, c]) => n + c, 0);
  console.log(`p50_ms=${percentile(times, 50).toFixed(2)}`);
  console.log(`p99_ms=${percentile(times, 99).toFixed(2)}`);
  console.log(`failed=${failed}`);
  console.log(`counted=${times.length}`);
  console.log(`statuses="${Object.entries(statuses).map(([s, c]) => `${s}:${c}`).join(" ")}"`);
}

function signer() {
  // nostr-tools lives in tools/node_modules; its WebAssembly signer is ~10x faster than the pure one.
  const require = createRequire(new URL("../tools/package.json", import.meta.url));
  const { finalizeEvent, setNostrWasm } = require("nostr-tools/wasm");
  const { initNostrWasm } = require("nostr-wasm");
  const { generateSecretKey } = require("nostr-tools/pure");
  const { hexToBytes } = require("nostr-tools/utils");
  return { finalizeEvent, setNostrWasm, initNostrWasm, generateSecretKey, hexToBytes };
}

function token(nostr, secret, verb, hash) {
  const now = Math.floor(Date.now() / 1000);
  const event = nostr.finalizeEvent(
    { kind: 24242, created_at: now, content: `${verb} from bench`, tags: [["t", verb], ["x", hash], ["expiration", String(now + 1800)]] },
    secret,
  );
  return "Nostr " + Buffer.from(JSON.stringify(event)).toString("base64url");
}

if (mode === "latency") {
  const [url, method, count, concurrency] = args;
  const c = Number(concurrency);
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const jobs = Array.from({ length: Number(count) + 2 * c }, () => () => request(agent, url, method));
  printLatency(await drive(jobs, c, 2 * c), [200, 404]);
  agent.destroy();
} else if (mode === "upload") {
  const [base, count, concurrency, bytes = "1024"] = args;
  const nostr = signer();
  nostr.setNostrWasm(await nostr.initNostrWasm());
  const secret = nostr.hexToBytes(process.env.NOSTR_SECRET);
  const c = Number(concurrency);
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const url = new URL("/upload", base);
  const jobs = Array.from({ length: Number(count) + 2 * c }, () => {
    const body = randomBytes(Number(bytes));
    const hash = createHash("sha256").update(body).digest("hex");
    const headers = {
      "Content-Type": "application/octet-stream",
      "Content-Length": body.length,
      "X-SHA-256": hash,
      Authorization: token(nostr, secret, "upload", hash),
    };
    return () => request(agent, url, "PUT", headers, body);
  });
  printLatency(await drive(jobs, c, 2 * c), [201]);
  agent.destroy();
} else if (mode === "media") {
  const [base, dir, count, concurrency, eventsFile] = args;
  const nostr = signer();
  nostr.setNostrWasm(await nostr.initNostrWasm());
  const files = readdirSync(dir).filter((f) => f.endsWith(".jpg")).sort().slice(0, Number(count));
  const c = Number(concurrency);
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const submissions = files.map((f) => {
    const body = readFileSync(join(dir, f));
    const hash = createHash("sha256").update(body).digest("hex");
    const headers = {
      "Content-Type": "image/jpeg",
      "Content-Length": body.length,
      "X-SHA-256": hash,
      Prefer: "respond-async",
      Authorization: token(nostr, nostr.generateSecretKey(), "media", hash),
    };
    return { body, headers };
  });
  const started = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
  const admitted = [];
  const times = [];
  const queuedTimes = [];
  const refusedTimes = [];
  const counts = { queued: 0, refused: 0, other: 0 };
  const otherStatuses = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < submissions.length) {
        const s = submissions[next++];
        const r = await requestJson(agent, new URL("/media", base), "PUT", s.headers, s.body);
        times.push(r.ms);
        if (r.status === 202 && r.json?.id) {
          counts.queued++;
          queuedTimes.push(r.ms);
          admitted.push(r.json.id);
        } else if (r.status === 503) {
          counts.refused++;
          refusedTimes.push(r.ms);
        } else {
          counts.other++;
          otherStatuses[r.status] = (otherStatuses[r.status] ?? 0) + 1;
        }
      }
    }),
  );
  const admittedS = seconds();
  for (const t of [times, queuedTimes, refusedTimes]) t.sort((a, b) => a - b);
  writeFileSync(eventsFile, "");
  // Follows the tasks oldest first with a few long-polls, so the queue's order is the follow order.
  let ended = 0;
  let complete = 0;
  let lastEnd = 0;
  let follow = 0;
  const pollAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (follow < admitted.length) {
        const id = admitted[follow++];
        for (;;) {
          const r = await requestJson(pollAgent, new URL(`/media/${id}?wait=30`, base), "GET");
          const status = r.json?.status;
          if (r.status === 200 && status && status !== "running" && status !== "processing") {
            ended++;
            if (status === "complete") complete++;
            lastEnd = seconds();
            appendFileSync(eventsFile, `${(Date.now() / 1000).toFixed(3)} ${ended}\n`);
            break;
          }
          if (r.status !== 200 && r.status !== 202) {
            console.error(`GET /media/${id} answered ${r.status}`);
            break;
          }
        }
      }
    }),
  );
  console.log(`admit_p50_ms=${percentile(times, 50).toFixed(1)}`);
  console.log(`admit_p99_ms=${percentile(times, 99).toFixed(1)}`);
  console.log(`admit_max_ms=${(times.at(-1) ?? 0).toFixed(1)}`);
  console.log(`queued_p99_ms=${percentile(queuedTimes, 99).toFixed(1)}`);
  console.log(`refused_p99_ms=${percentile(refusedTimes, 99).toFixed(1)}`);
  console.log(`admit_s=${admittedS.toFixed(2)}`);
  console.log(`queued=${counts.queued}`);
  console.log(`refused=${counts.refused}`);
  console.log(`other=${counts.other}`);
  console.log(`other_statuses="${Object.entries(otherStatuses).map(([s, n]) => `${s}:${n}`).join(" ")}"`);
  console.log(`ended=${ended}`);
  console.log(`complete=${complete}`);
  console.log(`drain_s=${lastEnd.toFixed(2)}`);
  console.log(`per_second=${(lastEnd > 0 ? ended / lastEnd : 0).toFixed(2)}`);
  agent.destroy();
  pollAgent.destroy();
} else if (mode === "hold") {
  const [host, port, count, ready] = args;
  const sockets = [];
  let answered = 0;
  const n = Number(count);
  // Opens them a few hundred at a time, as a crowd of clients would, not all in one tick.
  for (let i = 0; i < n; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 200); j++) {
      batch.push(
        new Promise((resolve, reject) => {
          const s = net.connect(Number(port), host, () => s.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
          s.once("data", () => {
            answered++;
            resolve();
          });
          s.on("error", reject);
          sockets.push(s);
        }),
      );
    }
    await Promise.all(batch);
  }
  writeFileSync(ready, `${answered}\n`);
  setInterval(() => {}, 1 << 30);
} else if (mode === "longpoll") {
  const [url, count, ready] = args;
  const n = Number(count);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let sent = 0;
  const loop = async () => {
    for (;;) {
      const p = request(agent, url, "GET");
      sent++;
      if (sent === n) writeFileSync(ready, `${n}\n`);
      const r = await p;
      if (r.status !== 200) {
        console.error(`long-poll answered ${r.status}`);
        process.exit(1);
      }
    }
  };
  for (let i = 0; i < n; i++) loop();
} else {
  console.error("usage: node bench/growth.mjs latency|upload|media|hold|longpoll ...");
  process.exit(2);
}
