// "Admin": views over the operator API (/admin, tokens with t=admin from a key in Admin:Pubkeys): reports
// with the reported blob and its reporters, blocking and unblocking pubkeys and blobs, every blob with its
// owners, deletion of any blob, storage totals, usage per owner, the media queue, and the Matrix quarantine
// when this server is a Matrix media repository.
import {
  $, h, humanSize, humanDate, shortHex, hasSigner, signIn, signedInPubkey, sessionToken, failure,
  loadInfo, statusLine, blobCells, previewCell, rememberAdmin, showMenu,
} from "./common.js";

/** Blobs per page of "All blobs", owners per page of "Usage per owner". */
const PAGE_SIZE = 20;

const els = {
  signer: $("signer"), who: $("who"), signInButton: $("sign-in"), status: $("status"), views: $("views"),
  reports: $("reports"), blockForm: $("block-form"), blockPubkey: $("block-pubkey"), blockReason: $("block-reason"),
  blocked: document.querySelector("#blocked tbody"), blockedEmpty: $("blocked-empty"),
  allBlobs: document.querySelector("#all-blobs tbody"), more: $("more"),
  storage: document.querySelector("#storage tbody"), usage: document.querySelector("#usage tbody"), moreUsage: $("more-usage"),
  mediaSummary: $("media-summary"), mediaTasks: document.querySelector("#media-tasks tbody"),
  blockedBlobs: document.querySelector("#blocked-blobs tbody"), blockedBlobsEmpty: $("blocked-blobs-empty"),
  matrixSection: $("matrix-section"), remoteCache: $("remote-cache"), quarantine: document.querySelector("#quarantine tbody"), quarantineEmpty: $("quarantine-empty"),
};
const setStatus = statusLine(els.status);
const adminToken = sessionToken("admin", "Administer this server");
const infoReady = loadInfo();
let info = null;
let cursor = null;
let usageCursor = null;

/** Calls the operator API; answers the parsed JSON (null for 204), throws the server's reason otherwise. */
async function api(method, path, body) {
  const headers = { Authorization: await adminToken(), Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw failure(response, response.status);
  return response.status === 204 ? null : response.json();
}

/** Runs an action from a button, says what happened, and redraws the views it changed. */
async function act(description, action, ...redraw) {
  setStatus(`${description}…`);
  try {
    await action();
    await Promise.all(redraw.map((view) => view()));
    setStatus(`${description}: done.`);
  } catch (error) {
    setStatus(`${description}: ${error.message}`, true);
  }
}

function pubkeyCode(pubkey) {
  return h("code", { title: pubkey }, shortHex(pubkey));
}

function blockButton(pubkey) {
  return h("button", { type: "button", className: "danger", "aria-label": `Block ${shortHex(pubkey)}`,
    onclick: () => act(`Blocking ${shortHex(pubkey)}`, () => api("PUT", `/admin/blocked/${pubkey}`, { reason: "reported content" }), drawBlocked) }, "Block");
}

function deleteButton(sha256) {
  return h("button", { type: "button", className: "danger", "aria-label": `Delete blob ${shortHex(sha256)} for all its owners`,
    onclick: () => {
      if (!window.confirm(`Delete blob ${shortHex(sha256)} for all its owners?`)) return;
      act(`Deleting ${shortHex(sha256)}`, () => api("DELETE", `/admin/blobs/${sha256}`), drawReports, drawAllBlobs);
    } }, "Delete blob");
}

function blockBlobButton(sha256) {
  return h("button", { type: "button", className: "danger", "aria-label": `Block blob ${shortHex(sha256)}: remove it for all its owners and refuse it from now on`,
    onclick: () => {
      if (!window.confirm(`Block blob ${shortHex(sha256)}? It is removed for all its owners and refused from now on.`)) return;
      act(`Blocking blob ${shortHex(sha256)}`, () => api("PUT", `/admin/blocked-blobs/${sha256}`, { reason: "blocked from the admin page" }),
        drawReports, drawAllBlobs, drawBlockedBlobs, drawStorage, drawUsage);
    } }, "Block blob");
}

/** One reported blob: its preview and facts, its owners (each blockable), its reporters and why. */
async function reportCard(sha256) {
  let detail = null;
  try {
    detail = await api("GET", `/admin/blobs/${sha256}`);
  } catch {
    // Deleted since it was reported: the report stays, the blob is gone.
  }
  if (!detail) {
    return h("article", { className: "card", "data-sha256": sha256 },
      h("h3", {}, h("code", { title: sha256 }, shortHex(sha256))), h("p", { className: "muted" }, "This blob is no longer stored."));
  }
  const { blob, owners, reports } = detail;
  return h("article", { className: "card", "data-sha256": sha256, "aria-labelledby": `report-${sha256}` },
    h("div", { className: "card-preview" }, previewCell(info, blob)),
    h("div", { className: "card-body" },
      h("h3", { id: `report-${sha256}` }, h("a", { href: blob.url, title: sha256 }, shortHex(sha256)), " ",
        h("span", { className: "muted" }, `${blob.type || "unknown type"}, ${humanSize(blob.size)}, uploaded ${humanDate(blob.uploaded)}`)),
      h("p", {}, "Owners: ", ...(owners.length ? owners.flatMap((owner) => [pubkeyCode(owner), " ", blockButton(owner), " "]) : ["none (unowned)"])),
      h("ul", { className: "reporters", "aria-label": "Reports" }, ...reports.map((report) => h("li", {},
        pubkeyCode(report.reporter), ` reported it as `, h("strong", {}, report.type || "unspecified"), ` on ${humanDate(report.received)}`,
        report.content ? h("q", {}, report.content) : null))),
      h("p", {}, deleteButton(sha256), " ", blockBlobButton(sha256))));
}

async function drawReports() {
  const reports = await api("GET", "/admin/reports");
  const hashes = [...new Set(reports.map((report) => report.sha256))];
  els.reports.replaceChildren(...(hashes.length ? await Promise.all(hashes.map(reportCard)) : [h("p", { className: "muted" }, "No reports.")]));
}

async function drawBlocked() {
  const blocked = await api("GET", "/admin/blocked");
  els.blocked.replaceChildren(...blocked.map((entry) => h("tr", { "data-pubkey": entry.pubkey },
    h("td", {}, pubkeyCode(entry.pubkey)),
    h("td", {}, entry.reason || "—"),
    h("td", {}, humanDate(entry.blocked)),
    h("td", {}, h("button", { type: "button", className: "secondary", "aria-label": `Unblock ${shortHex(entry.pubkey)}`,
      onclick: () => act(`Unblocking ${shortHex(entry.pubkey)}`, () => api("DELETE", `/admin/blocked/${entry.pubkey}`), drawBlocked) }, "Unblock")))));
  els.blockedEmpty.hidden = blocked.length > 0;
}

async function loadBlobsPage() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) query.set("cursor", cursor);
  const page = await api("GET", `/admin/blobs?${query}`);
  els.allBlobs.append(...page.map(({ blob, owners }) => h("tr", { "data-sha256": blob.sha256 },
    ...blobCells(info, blob),
    h("td", {}, ...(owners.length ? owners.flatMap((owner) => [pubkeyCode(owner), " "]) : ["none"])),
    h("td", { className: "actions" }, deleteButton(blob.sha256), " ", blockBlobButton(blob.sha256)))));
  if (page.length) cursor = page[page.length - 1].blob.sha256;
  els.more.hidden = page.length < PAGE_SIZE;
}

async function drawAllBlobs() {
  cursor = null;
  els.allBlobs.replaceChildren();
  await loadBlobsPage();
}

async function drawBlockedBlobs() {
  const blocked = await api("GET", "/admin/blocked-blobs");
  els.blockedBlobs.replaceChildren(...blocked.map((entry) => h("tr", { "data-sha256": entry.sha256 },
    h("td", {}, h("code", { title: entry.sha256 }, shortHex(entry.sha256))),
    h("td", {}, entry.reason || "—"),
    h("td", {}, humanDate(entry.blocked)),
    h("td", {}, h("button", { type: "button", className: "secondary", "aria-label": `Unblock blob ${shortHex(entry.sha256)}`,
      onclick: () => act(`Unblocking blob ${shortHex(entry.sha256)}`, () => api("DELETE", `/admin/blocked-blobs/${entry.sha256}`), drawBlockedBlobs) }, "Unblock")))));
  els.blockedBlobsEmpty.hidden = blocked.length > 0;
}

async function drawStorage() {
  const storage = await api("GET", "/admin/storage");
  const rows = [
    ["Blobs", String(storage.blobs)],
    ["Stored", humanSize(storage.storedBytes)],
    ["Free disk", storage.freeBytes === null ? "not known (S3)" : humanSize(storage.freeBytes)],
    ["Chunked uploads under way", `${storage.partialUploads} (${humanSize(storage.partialUploadBytes)} declared)`],
  ];
  if (storage.matrixRemoteMedia) rows.push(["Matrix media cached from other servers", `${storage.matrixRemoteMedia.media} (${humanSize(storage.matrixRemoteMedia.bytes)})`]);
  els.storage.replaceChildren(...rows.map(([name, value]) => h("tr", {}, h("th", { scope: "row" }, name), h("td", {}, value))));
}

async function loadUsagePage() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (usageCursor) query.set("cursor", usageCursor);
  const page = await api("GET", `/admin/usage?${query}`);
  els.usage.append(...page.map((entry) => h("tr", { "data-owner": entry.owner },
    h("td", {}, /^[0-9a-f]{64}$/.test(entry.owner) ? pubkeyCode(entry.owner) : entry.owner),
    h("td", {}, humanSize(entry.bytes)),
    h("td", {}, String(entry.blobs)))));
  if (page.length) usageCursor = page[page.length - 1].owner;
  els.moreUsage.hidden = page.length < PAGE_SIZE;
}

async function drawUsage() {
  usageCursor = null;
  els.usage.replaceChildren();
  await loadUsagePage();
}

async function drawMedia() {
  const queue = await api("GET", "/admin/media");
  els.mediaSummary.textContent = `${queue.waiting} job(s) waiting for a worker (room for ${queue.capacity}), ${queue.tasks.length} task(s) running.`;
  els.mediaTasks.replaceChildren(...queue.tasks.map((task) => h("tr", { "data-task": task.id },
    h("td", {}, h("code", {}, task.id)),
    h("td", {}, task.owner ? pubkeyCode(task.owner) : "anonymous"),
    h("td", {}, h("code", { title: task.originalSha256 }, shortHex(task.originalSha256)), ` ${task.originalType}`),
    h("td", {}, h("progress", { max: 100, value: task.progress, "aria-label": `Progress of task ${task.id}` }), ` ${task.progress}% ${task.message}`),
    h("td", {}, humanDate(task.created)))));
}

async function drawQuarantine() {
  const [quarantined, cache] = await Promise.all([api("GET", "/admin/matrix/quarantine"), api("GET", "/admin/matrix/remote-media?limit=1")]);
  els.remoteCache.textContent = `Media of other servers cached here: ${cache.count}, ${humanSize(cache.bytes)}.`;
  els.quarantine.replaceChildren(...quarantined.map((entry) => {
    const name = entry.mediaId ? `mxc://${entry.serverName}/${entry.mediaId}` : `every media of ${entry.serverName}`;
    const path = `/admin/matrix/quarantine/${encodeURIComponent(entry.serverName)}${entry.mediaId ? `/${encodeURIComponent(entry.mediaId)}` : ""}`;
    return h("tr", {},
      h("td", {}, name),
      h("td", {}, entry.reason || "—"),
      h("td", {}, humanDate(entry.created / 1000)),
      h("td", {}, h("button", { type: "button", className: "secondary", "aria-label": `Lift the quarantine of ${name}`,
        onclick: () => act(`Lifting the quarantine of ${name}`, () => api("DELETE", path), drawQuarantine) }, "Lift")));
  }));
  els.quarantineEmpty.hidden = quarantined.length > 0;
}

/** Signs in once: from the button, or by itself when this tab signed in on another page. */
async function start() {
  if (!hasSigner()) {
    els.signer.hidden = false;
    return;
  }
  if (els.signInButton.disabled) return;
  els.signInButton.disabled = true;
  try {
    info = await infoReady;
    const pubkey = await signIn();
    els.who.replaceChildren("Signed in as ", pubkeyCode(pubkey));
    setStatus("Checking that your key may use the operator API…");
    try {
      await api("GET", "/admin/blocked");
    } catch (error) {
      rememberAdmin(pubkey, false);
      setStatus(`This key is not an operator of this server (${error.message}). Operators are listed in Admin:Pubkeys.`, true);
      return;
    }
    rememberAdmin(pubkey, true);
    els.views.hidden = false;
    const matrix = Boolean(info.matrix && info.matrix.enabled);
    els.matrixSection.hidden = !matrix;
    await Promise.all([drawStorage(), drawReports(), drawBlocked(), drawBlockedBlobs(), drawUsage(), drawMedia(), drawAllBlobs(), matrix ? drawQuarantine() : null]);
    setStatus("Ready.");
  } catch (error) {
    els.signInButton.disabled = false;
    setStatus(error.message || String(error), true);
  }
}

els.signInButton.addEventListener("click", start);
els.more.addEventListener("click", () => act("Loading more blobs", loadBlobsPage));
els.moreUsage.addEventListener("click", () => act("Loading more owners", loadUsagePage));
els.blockForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const pubkey = els.blockPubkey.value.trim().toLowerCase();
  act(`Blocking ${shortHex(pubkey)}`, () => api("PUT", `/admin/blocked/${pubkey}`, { reason: els.blockReason.value.trim() }), drawBlocked)
    .then(() => { if (!els.status.classList.contains("error")) els.blockForm.reset(); });
});

showMenu();
// Extensions may inject window.nostr a moment after the page loads; one already signed in this tab goes on.
setTimeout(() => {
  els.signer.hidden = hasSigner();
  if (hasSigner() && signedInPubkey()) start();
}, 300);
