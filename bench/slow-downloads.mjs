// Many slow readers of one blob at once: opens <count> GETs of <url>, each read at <rate> bytes/s,
// holds them for <seconds> once every one has its headers, then closes them.
// Usage: node bench/slow-downloads.mjs URL COUNT SECONDS RATE
// Prints shell assignments: opened (connections that got 200 headers), failed, received_mib,
// all_open_s (time until all were open).
import http from 'node:http';

const [url, count, seconds, rate] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
const tick_ms = 100;
const perTick = Math.max(1, Math.floor((rate * tick_ms) / 1000));
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const readers = [];
let opened = 0;
let failed = 0;
let received = 0;
const start = performance.now();

const allOpen = new Promise((resolve) => {
  const settle = () => { if (opened + failed === count) resolve(); };
  for (let i = 0; i < count; i++) {
    const request = http.get(url, { agent }, (response) => {
      if (response.statusCode !== 200) { failed++; response.resume(); settle(); return; }
      opened++;
      // The budget refills every tick; a reader over it pauses until then, so the server's writes
      // back up behind a full socket, as they do for a slow client.
      const reader = { response, budget: perTick };
      response.on('data', (chunk) => {
        received += chunk.length;
        reader.budget -= chunk.length;
        if (reader.budget <= 0) response.pause();
      });
      response.on('error', () => {});
      readers.push(reader);
      settle();
    });
    request.on('error', () => { failed++; settle(); });
  }
});

await allOpen;
const allOpenSeconds = (performance.now() - start) / 1000;
const ticker = setInterval(() => {
  for (const reader of readers) {
    reader.budget = perTick;
    reader.response.resume();
  }
}, tick_ms);
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
clearInterval(ticker);
for (const reader of readers) reader.response.destroy();
agent.destroy();
console.log(`opened=${opened} failed=${failed} received_mib=${Math.round(received / 1048576)} all_open_s=${allOpenSeconds.toFixed(2)}`);
