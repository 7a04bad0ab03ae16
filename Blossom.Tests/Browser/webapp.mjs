// The web app's "My blobs" and "Admin" pages in headless Chromium, each user signing with a fake NIP-07
// extension. A user's blobs are uploaded through the API (and one image optimized through the landing
// page, so it has a media task to show); the user signs in, pages through the list, sees previews,
// deletes one blob and then two at once. Another key reports one of them; the operator (the secret key
// given, whose pubkey the server has in Admin:Pubkeys) sees the report with the preview and the reporter, blocks
// and unblocks the user, deletes the reported blob, sees storage totals, usage and the media queue, and blocks
// and unblocks another blob. A user who is not an operator is refused.
// Scenario "matrix" instead shows the operator the Matrix quarantine and lifts one from the page.
// Usage: node webapp.mjs <server url> <screenshot folder or "-"> <operator secret key, hex> [blobs|matrix]
import { randomBytes } from "node:crypto";
import path from "node:path";
import { finalizeEvent } from "nostr-tools/pure";
import { check, keyPair, launchBrowser, pageSigningWith, randomPng, token, uploadBlob } from "./harness.mjs";

const [server, screenshots = "-", operatorSecret, scenario = "blobs"] = process.argv.slice(2);
if (!server || !/^[0-9a-f]{64}$/.test(operatorSecret || "")) {
  console.error("usage: node webapp.mjs <server url> <screenshot folder or -> <operator secret key, hex> [blobs|matrix]");
  process.exit(2);
}

const user = keyPair("blossom web app test: user");
const operator = keyPair(Buffer.from(operatorSecret, "hex"));
const reporter = keyPair("blossom web app test: reporter");

async function status(url) {
  return (await fetch(url)).status;
}

async function screenshot(page, name) {
  if (screenshots === "-") return;
  await page.screenshot({ path: path.join(screenshots, name) });
}

/** Waits until every preview shown has loaded a picture. */
async function previewsLoaded(page, scope) {
  await page.waitForFunction((selector) => {
    const images = [...document.querySelectorAll(`${selector} img.thumb`)];
    return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
  }, scope);
}

/** "My blobs" for a user, then "Admin" for the operator, on blobs uploaded here. */
async function myBlobsAndAdmin(browser) {
  // 21 small text blobs, then three pictures: more than a page of 20, the pictures newest.
  for (let i = 0; i < 21; i++) await uploadBlob(server, user, Buffer.from(`note ${i} ${randomBytes(8).toString("hex")}\n`), "text/plain");
  const pictures = [];
  for (let i = 0; i < 3; i++) pictures.push(await uploadBlob(server, user, randomPng(), "image/png"));
  const [reported, deletedAlone] = pictures;

  const page = await pageSigningWith(browser, user);
  page.on("dialog", (dialog) => dialog.accept());

  // An image optimized on the landing page leaves a media task for "My blobs" to show.
  await page.goto(server);
  await page.locator("#file").setInputFiles({ name: "optimized.png", mimeType: "image/png", buffer: randomPng() });
  await page.locator("#mode-media").check();
  await page.locator("#upload").click();
  await page.locator("#result a").waitFor();

  const listed = await (await fetch(`${server}/list/${user.pubkey}`)).json();
  await page.goto(`${server}/blobs.html`);
  const adminChecked = page.waitForResponse((response) => response.url().endsWith("/admin/blocked"));
  await page.locator("#sign-in").click();
  const rows = page.locator("#blobs tbody tr");
  await rows.nth(19).waitFor();
  check(await rows.count() === 20, `my blobs: the first page should show 20 blobs, shows ${await rows.count()}`);
  await previewsLoaded(page, "#blobs");
  const firstRow = await rows.first().innerText();
  check(/KiB|B/.test(firstRow) && /image\//.test(firstRow), `my blobs: the newest row should show type and size: ${firstRow}`);
  check((await adminChecked).status() === 403, "my blobs: the user is not an operator");
  check(await page.locator("nav a[data-admin]").isHidden(), "my blobs: the Admin link is hidden from a user who is not an operator");
  const task = page.locator("#tasks li");
  await task.filter({ hasText: "complete" }).waitFor();
  check((await task.innerText()).includes("optimized.png"), `my blobs: the media task should name its file: ${await task.innerText()}`);
  check(await task.locator("progress").evaluate((p) => p.value) === 100, "my blobs: the finished task's progress should be 100");
  await screenshot(page, "webapp-my-blobs.png");

  await page.locator("#more").click();
  await rows.nth(listed.length - 1).waitFor();
  check(await rows.count() === listed.length, `my blobs: after "Load more" all ${listed.length} blobs should show, ${await rows.count()} do`);
  check(await page.locator("#more").isHidden(), "my blobs: no more to load after the last page");

  // Delete one, then two at once.
  await page.locator(`tr[data-sha256="${deletedAlone.sha256}"] button`, { hasText: "Delete" }).click();
  await page.locator(`tr[data-sha256="${deletedAlone.sha256}"]`).waitFor({ state: "detached" });
  check(await status(deletedAlone.url) === 404, "my blobs: the deleted blob should be gone from the server");
  const two = listed.filter((blob) => blob.type.startsWith("text/")).slice(0, 2).map((blob) => blob.sha256);
  for (const sha256 of two) await page.locator(`tr[data-sha256="${sha256}"] input[type=checkbox]`).check();
  check(await page.locator("#delete-selected").innerText() === "Delete selected (2)", "my blobs: the button should count the selection");
  await page.locator("#delete-selected").click();
  for (const sha256 of two) await page.locator(`tr[data-sha256="${sha256}"]`).waitFor({ state: "detached" });
  for (const sha256 of two) check(await status(`${server}/${sha256}`) === 404, `my blobs: ${sha256} should be gone from the server`);
  const said = await page.locator("#status").innerText();
  check(said === "Deleted 2 blobs.", `my blobs: the status should say two were deleted: ${said}`);
  check(await rows.count() === listed.length - 3, `my blobs: ${listed.length - 3} blobs should remain shown`);

  // The admin page refuses a key that is not an operator's.
  await page.goto(`${server}/admin.html`);
  await page.locator("#status.error").waitFor();
  check((await page.locator("#status").innerText()).includes("not an operator"), "admin: a user's key is refused");
  check(await page.locator("#views").isHidden(), "admin: no views for a user's key");
  console.log("web app: my blobs ok");

  // Someone reports one of the user's pictures.
  const now = Math.floor(Date.now() / 1000);
  const report = finalizeEvent({ kind: 1984, created_at: now, content: "This is not mine to share", tags: [["x", reported.sha256, "illegal"]] }, reporter.secretKey);
  const reportResponse = await fetch(`${server}/report`, { method: "PUT", body: JSON.stringify(report), headers: { "Content-Type": "application/json" } });
  check(reportResponse.ok, `PUT /report answered ${reportResponse.status}`);

  const admin = await pageSigningWith(browser, operator);
  admin.on("dialog", (dialog) => dialog.accept());
  await admin.goto(`${server}/blobs.html`);
  await admin.locator("#sign-in").click();
  await admin.locator("nav a[data-admin]").waitFor();
  await admin.locator("nav a[data-admin]").click();
  await admin.waitForURL(`${server}/admin.html`);
  const card = admin.locator(`#reports article[data-sha256="${reported.sha256}"]`);
  await card.waitFor();
  await previewsLoaded(admin, "#reports");
  const cardText = await card.innerText();
  check(cardText.includes(reporter.pubkey.slice(0, 8)) && cardText.includes("illegal") && cardText.includes("This is not mine to share"),
    `admin: the report should show its reporter, type and reason: ${cardText}`);
  check(cardText.includes(user.pubkey.slice(0, 8)), `admin: the report should show the blob's owner: ${cardText}`);
  await admin.locator("#all-blobs tbody tr").first().waitFor();

  // Block the user, who can then no longer upload; unblock.
  await admin.locator("#block-pubkey").fill(user.pubkey);
  await admin.locator("#block-reason").fill("reported content");
  await admin.locator("#block-form button[type=submit]").click();
  const blockedRow = admin.locator(`#blocked tr[data-pubkey="${user.pubkey}"]`);
  await blockedRow.waitFor();
  check((await blockedRow.innerText()).includes("reported content"), "admin: the block should show its reason");
  const refused = await uploadBlob(server, user, Buffer.from("after the block"), "text/plain").then(() => null, (error) => error.message);
  check(refused && refused.includes("403"), `admin: a blocked user's upload should be refused, got: ${refused}`);
  await screenshot(admin, "webapp-admin.png");
  await blockedRow.locator("button", { hasText: "Unblock" }).click();
  await blockedRow.waitFor({ state: "detached" });
  await admin.locator("#blocked-empty").waitFor();
  await uploadBlob(server, user, Buffer.from(`after the unblock ${randomBytes(4).toString("hex")}`), "text/plain");

  // Delete the reported blob for all its owners.
  await card.locator("button", { hasText: "Delete blob" }).click();
  await card.locator("text=This blob is no longer stored.").waitFor();
  check(await status(reported.url) === 404, "admin: the reported blob should be gone from the server");
  check(await admin.locator(`#all-blobs tr[data-sha256="${reported.sha256}"]`).count() === 0, "admin: the deleted blob leaves the list of all blobs");

  // Storage totals, usage per owner and the media queue are shown.
  const storageText = await admin.locator("#storage").innerText();
  check(/Blobs\s+\d+/.test(storageText) && /Free disk\s+[\d.]+ [KMGT]?i?B/.test(storageText), `admin: storage totals and free disk should show: ${storageText}`);
  const usageRow = admin.locator(`#usage tr[data-owner="${user.pubkey}"]`);
  await usageRow.waitFor();
  check(/B\s+\d+$/.test((await usageRow.innerText()).trim()), `admin: the user's usage should show bytes and a blob count: ${await usageRow.innerText()}`);
  const mediaSummary = await admin.locator("#media-summary").innerText();
  check(/\d+ job\(s\) waiting for a worker/.test(mediaSummary), `admin: the media queue should be summed up: ${mediaSummary}`);

  // Block a blob from "All blobs": gone for its owner and refused when uploaded again; unblock it.
  const target = pictures[2];
  const targetBytes = Buffer.from(await (await fetch(target.url)).arrayBuffer());
  await admin.locator(`#all-blobs tr[data-sha256="${target.sha256}"] button`, { hasText: "Block blob" }).click();
  const blockedBlobRow = admin.locator(`#blocked-blobs tr[data-sha256="${target.sha256}"]`);
  await blockedBlobRow.waitFor();
  check(await status(target.url) === 404, "admin: the blocked blob should be gone from the server");
  const blobRefused = await uploadBlob(server, user, targetBytes, "image/png").then(() => null, (error) => error.message);
  check(blobRefused && blobRefused.includes("403"), `admin: an upload of the blocked blob should be refused, got: ${blobRefused}`);
  await blockedBlobRow.locator("button", { hasText: "Unblock" }).click();
  await blockedBlobRow.waitFor({ state: "detached" });
  await admin.locator("#blocked-blobs-empty").waitFor();
  check((await uploadBlob(server, user, targetBytes, "image/png")).sha256 === target.sha256, "admin: the unblocked blob can be uploaded again");
  console.log("web app: admin ok");
}

/** The Matrix quarantine in "Admin": a server quarantined through the API is shown, and lifted from the page. */
async function matrixQuarantine(browser) {
  const quarantined = await fetch(`${server}/admin/matrix/quarantine/spam.example`, {
    method: "PUT", body: JSON.stringify({ reason: "sends spam" }),
    headers: { "Content-Type": "application/json", Authorization: token(operator, "admin") },
  });
  check(quarantined.ok, `PUT /admin/matrix/quarantine/spam.example answered ${quarantined.status}`);
  const admin = await pageSigningWith(browser, operator);
  await admin.goto(`${server}/admin.html`);
  await admin.locator("#sign-in").click();
  const row = admin.locator("#quarantine tbody tr", { hasText: "every media of spam.example" });
  await row.waitFor();
  check((await row.innerText()).includes("sends spam"), `matrix: the quarantine should show its reason: ${await row.innerText()}`);
  check((await admin.locator("#remote-cache").innerText()).includes("cached here: 0"), "matrix: the remote media cache's totals are shown");
  await row.locator("button", { hasText: "Lift" }).click();
  await admin.locator("#quarantine-empty").waitFor();
  const left = await (await fetch(`${server}/admin/matrix/quarantine`, { headers: { Authorization: token(operator, "admin") } })).json();
  check(left.length === 0, `matrix: the quarantine should be lifted on the server, still holds ${JSON.stringify(left)}`);
  console.log("web app: matrix quarantine ok");
}

const browser = await launchBrowser();
try {
  await (scenario === "matrix" ? matrixQuarantine(browser) : myBlobsAndAdmin(browser));
} finally {
  await browser.close();
}
