// The landing page in headless Chromium: reads /info, uploads a PNG as is, then optimized to WebP,
// signed by a fake NIP-07 extension; or (scenario "chunked") uploads a file larger than a chunk in
// chunks, one of which fails once on the way and is sent again; or (scenario "video") also optimizes
// the given video file and plays the result in the page.
// Usage: node landing.mjs <server url> <screenshot path or "-"> [media|chunked|video <video file>]
import { randomBytes, createHash } from "node:crypto";
import { check, keyPair, launchBrowser, pageSigningWith, randomPng } from "./harness.mjs";

const [server, screenshot = "-", scenario = "media", videoFile] = process.argv.slice(2);
if (!server) {
  console.error("usage: node landing.mjs <server url> <screenshot path or -> [media|chunked|video <video file>]");
  process.exit(2);
}

const user = keyPair("blossom landing page test");

const browser = await launchBrowser();
try {
  const page = await pageSigningWith(browser, user);

  await page.goto(server);
  const info = await (await fetch(`${server}/info`)).json();
  const maxMiB = `${info.upload.maxSizeBytes / 1024 / 1024} MiB`;
  await page.locator("#limits table").waitFor();
  const limits = await page.locator("#limits").innerText();
  check(limits.includes(maxMiB), `the limits table should show the ${maxMiB} upload limit, shows: ${limits}`);

  async function uploadThrough(mode, file = { name: `test-${mode}.png`, mimeType: "image/png", buffer: randomPng() }) {
    await page.locator("#file").setInputFiles(file);
    await page.locator(`#mode-${mode}`).check();
    await page.locator("#upload").click();
    const link = page.locator("#result a");
    await Promise.race([
      link.waitFor(),
      page.locator("#status.error").waitFor().then(async () => {
        throw new Error(`${mode}: ${await page.locator("#status").innerText()}`);
      }),
    ]);
    const href = await link.getAttribute("href");
    const response = await fetch(href);
    check(response.ok, `${mode}: GET ${href} answered ${response.status}`);
    return { png: file.buffer, href, body: Buffer.from(await response.arrayBuffer()) };
  }

  /** Uploads a file over a chunk's size as is: the page sends it in chunks, and sends again the one that failed. */
  async function uploadInChunks() {
    check(/Uploads in chunks \(BUD-14\)\s+yes/.test(limits), `the limits table should say chunked uploads are supported, shows: ${limits}`);
    // Three chunks of at most 8 MiB; the second fails once, as a dropped connection would.
    const file = randomBytes(20 * 1024 * 1024 + 4321);
    const sha256 = createHash("sha256").update(file).digest("hex");
    const sent = [];
    let failed = false;
    await page.route(`${server}/${sha256}`, (route) => {
      const request = route.request();
      const offset = request.headers()["upload-offset"];
      sent.push(`${request.method()} ${offset}`);
      if (request.method() === "PATCH" && offset === String(8 * 1024 * 1024) && !failed) {
        failed = true;
        return route.abort("connectionreset");
      }
      return route.continue();
    });
    const chunked = await uploadThrough("upload", { name: "large.bin", mimeType: "application/octet-stream", buffer: file });
    check(chunked.body.equals(file), `chunked: ${chunked.href} should serve the uploaded bytes`);
    check(chunked.href.includes(sha256), `chunked: ${chunked.href} should name the file's hash`);
    const expected = ["PATCH 0", "PATCH 8388608", "PATCH 8388608", "PATCH 16777216"];
    check(JSON.stringify(sent) === JSON.stringify(expected), `chunked: the page should send ${expected.join(", ")}, sent ${sent.join(", ")}`);
    check(await page.locator("#upload-progress").evaluate((p) => p.value) === 100, "chunked: the upload progress should reach 100");
    const status = await page.locator("#status").innerText();
    check(status === "Done.", `chunked: the status should say done, says: ${status}`);
  }

  /** Uploads a PNG as is, then optimized. */
  async function uploadAsIsAndOptimized() {
    check(info.media.enabled, "the server should have media optimization on");
    const stored = await uploadThrough("upload");
    check(stored.body.equals(stored.png), `upload: ${stored.href} should serve the uploaded bytes`);
    check(stored.href.includes(createHash("sha256").update(stored.png).digest("hex")), `upload: ${stored.href} should name the file's hash`);

    const optimized = await uploadThrough("media");
    check(optimized.href.endsWith(".webp"), `media: the result ${optimized.href} should be WebP`);
    check(optimized.body.subarray(8, 12).toString("ascii") === "WEBP", "media: the result should be a WebP file");
    check(await page.locator("#task-progress").evaluate((p) => p.value) === 100, "media: the task progress should reach 100");
  }

  await (scenario === "chunked" ? uploadInChunks() : uploadAsIsAndOptimized());

  if (scenario === "video") {
    await page.locator("#file").setInputFiles(videoFile);
    await page.locator("#mode-media").check();
    await page.locator("#upload").click();
    const video = page.locator("#result video");
    await Promise.race([
      video.waitFor(),
      page.locator("#status.error").waitFor().then(async () => {
        throw new Error(`video: ${await page.locator("#status").innerText()}`);
      }),
    ]);
    // Muted, so headless Chromium lets it start without a gesture; playing means time advances.
    const played = await video.evaluate((v) => new Promise((resolve) => {
      v.muted = true;
      v.addEventListener("error", () => resolve({ error: `media error ${v.error && v.error.code}` }));
      v.addEventListener("timeupdate", () => {
        if (v.currentTime > 0.5) resolve({ src: v.currentSrc, time: v.currentTime, width: v.videoWidth });
      });
      v.play().catch((error) => resolve({ error: String(error) }));
    }));
    check(!played.error, `video: the result should play: ${played.error}`);
    check(played.width > 0, "video: the result should have a picture");
    const text = await page.locator("#result").innerText();
    check(text.includes("HLS master playlist"), `video: the page should name the HLS master playlist: ${text}`);
    console.log(`landing page: video ok, played ${played.src.endsWith(".m3u8") ? "the HLS ladder" : "the MP4"}`);
  }

  if (screenshot !== "-") {
    await page.locator("#result").evaluate((result) => result.querySelector("img")?.decode());
    await page.screenshot({ path: screenshot, fullPage: true });
  }
} finally {
  await browser.close();
}
console.log(scenario === "chunked" ? "landing page: chunked upload ok" : "landing page: upload and media ok");
