// "My blobs": the signed-in user's blobs (BUD-12 GET /list/<pubkey>, a page at a time by cursor) with
// previews, copy, open and delete (BUD-12 DELETE /<sha256>, one token naming every blob deleted), and
// the media tasks this browser started, followed to their end.
import {
  $, h, shortHex, hasSigner, signIn, signedInPubkey, signToken, sessionToken, failure,
  loadInfo, statusLine, blobCells, copyText, rememberedTasks, forgetTask, rememberAdmin, showMenu,
} from "./common.js";

/** Blobs per page of the list: a screenful, and few previews to fetch at once. */
const PAGE_SIZE = 20;

const els = {
  signer: $("signer"), who: $("who"), signInButton: $("sign-in"), status: $("status"),
  tasksSection: $("tasks-section"), tasks: $("tasks"),
  blobsSection: $("blobs-section"), rows: document.querySelector("#blobs tbody"), empty: $("empty"),
  more: $("more"), selectAll: $("select-all"), deleteSelected: $("delete-selected"),
};
const setStatus = statusLine(els.status);
const listToken = sessionToken("list", "List my blobs");
const adminToken = sessionToken("admin", "Check whether I administer this server");
const infoReady = loadInfo();
let info = null;
let pubkey = null;
let cursor = null;

function selectedHashes() {
  return [...els.rows.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

function refreshSelection() {
  const count = selectedHashes().length;
  els.deleteSelected.disabled = count === 0;
  els.deleteSelected.textContent = count ? `Delete selected (${count})` : "Delete selected";
  const boxes = els.rows.querySelectorAll("input[type=checkbox]");
  els.selectAll.checked = boxes.length > 0 && count === boxes.length;
}

function blobRow(blob) {
  const label = shortHex(blob.sha256);
  return h("tr", { "data-sha256": blob.sha256 },
    h("td", {}, h("input", { type: "checkbox", value: blob.sha256, "aria-label": `Select ${label}`, onchange: refreshSelection })),
    ...blobCells(info, blob),
    h("td", { className: "actions" },
      h("button", { type: "button", className: "secondary", "aria-label": `Copy the address of ${label}`, onclick: () => copy(blob) }, "Copy URL"),
      h("a", { href: blob.url, target: "_blank", rel: "noopener", className: "button secondary", "aria-label": `Open ${label} in a new tab` }, "Open"),
      h("button", { type: "button", className: "danger", "aria-label": `Delete ${label}`, onclick: () => remove([blob.sha256]) }, "Delete")));
}

async function copy(blob) {
  if (await copyText(blob.url)) setStatus(`Copied ${blob.url}`);
}

async function loadPage() {
  els.more.disabled = true;
  try {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (cursor) query.set("cursor", cursor);
    const headers = { Accept: "application/json" };
    if (info.listRequiresAuth) headers.Authorization = await listToken();
    const response = await fetch(`/list/${pubkey}?${query}`, { headers });
    if (!response.ok) throw failure(response, response.status);
    const page = await response.json();
    els.rows.append(...page.map(blobRow));
    if (page.length) cursor = page[page.length - 1].sha256;
    els.more.hidden = page.length < PAGE_SIZE;
    els.empty.hidden = els.rows.children.length > 0;
    setStatus(`${els.rows.children.length} blob${els.rows.children.length === 1 ? "" : "s"} shown${els.more.hidden ? "" : "; more to load"}.`);
    refreshSelection();
  } catch (error) {
    setStatus(`Could not list your blobs: ${error.message}`, true);
  } finally {
    els.more.disabled = false;
  }
}

/** Deletes blobs with one signature: a delete token naming each of them in an x tag. */
async function remove(hashes) {
  const what = hashes.length === 1 ? `blob ${shortHex(hashes[0])}` : `${hashes.length} blobs`;
  if (!window.confirm(`Delete ${what}? Other owners keep their copy; the blob goes with its last owner.`)) return;
  setStatus("Waiting for the signature from your Nostr extension…");
  try {
    const token = await signToken("delete", `Delete ${what}`, { hashes });
    const failed = [];
    for (const sha256 of hashes) {
      const response = await fetch(`/${sha256}`, { method: "DELETE", headers: { Authorization: token } });
      if (response.ok || response.status === 404) els.rows.querySelector(`tr[data-sha256="${sha256}"]`)?.remove();
      else failed.push(`${shortHex(sha256)}: ${failure(response, response.status).message}`);
    }
    els.empty.hidden = els.rows.children.length > 0;
    refreshSelection();
    els.selectAll.focus();
    const deleted = hashes.length - failed.length;
    setStatus(failed.length ? `Deleted ${deleted}; not deleted: ${failed.join("; ")}` : `Deleted ${what}.`, failed.length > 0);
  } catch (error) {
    setStatus(error.message || String(error), true);
  }
}

function taskItem(entry) {
  const progress = h("progress", { max: 100, value: 0, "aria-label": `Progress of ${entry.name}` });
  const state = h("span", { className: "muted" }, "checking…");
  const forget = h("button", { type: "button", className: "secondary", hidden: true, onclick: () => { forgetTask(entry.id); item.remove(); els.tasksSection.hidden = !els.tasks.children.length; } }, "Forget");
  const item = h("li", { "data-task": entry.id }, h("strong", {}, entry.name), " ", state, progress, forget);
  return { item, progress, state, forget };
}

/** Follows one remembered task until it ends (GET /media/<id>?wait=1 answers as soon as it does). */
async function followTask(entry) {
  const view = taskItem(entry);
  els.tasks.append(view.item);
  let wait = "";
  for (;;) {
    const response = await fetch(`/media/${encodeURIComponent(entry.id)}${wait}`, { headers: { Accept: "application/json" } });
    if (response.status === 404) {
      view.state.textContent = "no longer known to the server";
      break;
    }
    if (!response.ok) {
      view.state.textContent = failure(response, response.status).message;
      break;
    }
    const task = await response.json();
    view.progress.value = task.progress || 0;
    if (task.status !== "running") {
      view.state.replaceChildren(task.status === "complete" && task.blob
        ? h("span", {}, "complete: ", h("a", { href: task.blob.url }, shortHex(task.blob.sha256)))
        : `${task.status}${task.message ? ` — ${task.message}` : ""}`);
      break;
    }
    view.state.textContent = `running${task.message ? ` — ${task.message}` : ""}`;
    wait = "?wait=1";
  }
  view.forget.hidden = false;
}

function showTasks() {
  const tasks = rememberedTasks();
  els.tasksSection.hidden = tasks.length === 0;
  for (const entry of tasks) followTask(entry);
}

/** Once signed in: the user's tasks still running on the server (GET /media), started from any client, beside those this browser remembers. */
async function showRunningTasks() {
  const response = await fetch("/media", { headers: { Authorization: await listToken(), Accept: "application/json" } });
  if (!response.ok) return;
  const shown = new Set([...els.tasks.querySelectorAll("[data-task]")].map((item) => item.dataset.task));
  for (const task of await response.json()) {
    if (shown.has(task.id)) continue;
    els.tasksSection.hidden = false;
    followTask({ id: task.id, name: "a file sent from elsewhere" });
  }
}

/** Whether the signed-in pubkey administers this server: /admin answers it, or 403. */
async function checkAdmin() {
  try {
    const response = await fetch("/admin/blocked", { headers: { Authorization: await adminToken() } });
    rememberAdmin(pubkey, response.ok);
  } catch {
    rememberAdmin(pubkey, false);
  }
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
    setStatus("Asking your Nostr extension for your public key…");
    pubkey = await signIn();
    els.who.replaceChildren("Signed in as ", h("code", { title: pubkey }, shortHex(pubkey)));
    els.blobsSection.hidden = false;
    await loadPage();
    await showRunningTasks();
    await checkAdmin();
  } catch (error) {
    els.signInButton.disabled = false;
    setStatus(error.message || String(error), true);
  }
}

els.signInButton.addEventListener("click", start);
els.more.addEventListener("click", loadPage);
els.selectAll.addEventListener("change", () => {
  for (const box of els.rows.querySelectorAll("input[type=checkbox]")) box.checked = els.selectAll.checked;
  refreshSelection();
});
els.deleteSelected.addEventListener("click", () => remove(selectedHashes()));

showMenu();
showTasks();
// Extensions may inject window.nostr a moment after the page loads; one already signed in this tab goes on.
setTimeout(() => {
  els.signer.hidden = hasSigner();
  if (hasSigner() && signedInPubkey()) start();
}, 300);
