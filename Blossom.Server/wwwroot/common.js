// What every page of the web app shares: sizes and dates for people, the NIP-07 signer (window.nostr),
// kind 24242 tokens, the server's refusals (X-Reason), and the signed-in pubkey kept for the tab's life.

/** How long a token signed for a page's session is reused: one extension prompt, not one per request. */
const SESSION_TOKEN_SECONDS = 600;
const SIGNED_IN_KEY = "blossom.pubkey";

export const $ = (id) => document.getElementById(id);

export function humanSize(bytes) {
  if (!Number.isFinite(bytes)) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${unit === 0 ? value : value.toFixed(value < 10 && value % 1 !== 0 ? 1 : 0)} ${units[unit]}`;
}

export function humanDuration(seconds) {
  if (!seconds) return "no limit";
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A unix time as the reader's local date and time. */
export function humanDate(unixSeconds) {
  return new Date(unixSeconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A hash or pubkey short enough for a table cell; the whole value goes in a title. */
export function shortHex(hex) {
  return `${hex.slice(0, 8)}…${hex.slice(-4)}`;
}

export function hasSigner() {
  return typeof window.nostr === "object" && window.nostr !== null && typeof window.nostr.signEvent === "function";
}

export function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A BUD-11 token (kind 24242) signed by the extension: the Authorization header's value. */
export async function signToken(verb, content, { hashes = [], lifetimeSeconds = 300 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const signed = await window.nostr.signEvent({
    kind: 24242,
    created_at: now,
    content,
    tags: [["t", verb], ["expiration", String(now + lifetimeSeconds)], ...hashes.map((hash) => ["x", hash])],
  });
  return `Nostr ${base64url(JSON.stringify(signed))}`;
}

/**
 * A token for a verb that names no blob (list, admin), signed once and reused until shortly before it
 * expires, so browsing pages of a list asks the extension once.
 */
export function sessionToken(verb, content) {
  let token = null, renewAt = 0;
  return async () => {
    if (!token || Date.now() >= renewAt) {
      token = await signToken(verb, content, { lifetimeSeconds: SESSION_TOKEN_SECONDS });
      renewAt = Date.now() + (SESSION_TOKEN_SECONDS - 60) * 1000;
    }
    return token;
  };
}

/** The server's refusal as an error: its X-Reason when it gave one. */
export function failure(xhrOrResponse, status) {
  const reason = xhrOrResponse.getResponseHeader ? xhrOrResponse.getResponseHeader("X-Reason") : xhrOrResponse.headers.get("X-Reason");
  return new Error(reason ? `${reason} (HTTP ${status})` : `The server answered HTTP ${status}`);
}

/** Asks the extension for the user's pubkey; kept in sessionStorage so the other pages know it. */
export async function signIn() {
  const pubkey = await window.nostr.getPublicKey();
  sessionStorage.setItem(SIGNED_IN_KEY, pubkey);
  return pubkey;
}

export function signedInPubkey() {
  return sessionStorage.getItem(SIGNED_IN_KEY);
}

export async function loadInfo() {
  const response = await fetch("/info", { headers: { Accept: "application/json" } });
  if (!response.ok) throw failure(response, response.status);
  return response.json();
}

/** Sets a status line (role="status", so screen readers announce it). */
export function statusLine(element) {
  return (text, isError = false) => {
    element.textContent = text;
    element.classList.toggle("error", isError);
  };
}

/** An element with attributes and children, the one way these pages build their DOM. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element) element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/**
 * The preview of an image or video blob (the server's /<sha256>/preview), or the type's name when the
 * server makes none: an image that fails to load gives way to the same text.
 */
export function previewCell(info, blob) {
  const type = blob.type || "application/octet-stream";
  const previewable = info && info.previews && info.previews.enabled && /^(image|video)\//.test(type);
  const fallback = () => h("span", { className: "no-preview", "aria-hidden": "true" }, type.split("/")[1] || type);
  if (!previewable) return fallback();
  const img = h("img", { className: "thumb", src: `/${blob.sha256}/preview`, alt: `Preview of ${blob.sha256}`, loading: "lazy", width: 64, height: 64 });
  img.addEventListener("error", () => img.replaceWith(fallback()));
  return img;
}

/** Copies text to the clipboard, falling back to a selection prompt where the clipboard is refused. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    window.prompt("Copy this address:", text);
    return false;
  }
}

// The pages remember the tasks they started (in this browser), to follow them to their end; My blobs
// also shows the user's tasks still running on the server (GET /media), wherever they were started.
const TASKS_KEY = "blossom.tasks";

/** The media tasks started from this browser: [{ id, name, started }], oldest first. */
export function rememberedTasks() {
  try {
    const tasks = JSON.parse(localStorage.getItem(TASKS_KEY) || "[]");
    return Array.isArray(tasks) ? tasks : [];
  } catch {
    return [];
  }
}

export function rememberTask(id, name) {
  localStorage.setItem(TASKS_KEY, JSON.stringify([...rememberedTasks().filter((t) => t.id !== id), { id, name, started: Math.floor(Date.now() / 1000) }]));
}

export function forgetTask(id) {
  localStorage.setItem(TASKS_KEY, JSON.stringify(rememberedTasks().filter((t) => t.id !== id)));
}

const ADMIN_KEY = "blossom.admin";

/** Remembers (for this tab) whether the signed-in pubkey may use /admin, so every page's menu shows it. */
export function rememberAdmin(pubkey, isAdmin) {
  if (isAdmin) sessionStorage.setItem(ADMIN_KEY, pubkey);
  else sessionStorage.removeItem(ADMIN_KEY);
  showMenu();
}

/** Marks the current page in the menu and shows "Admin" only to a signed-in operator. */
export function showMenu() {
  const admin = document.querySelector("nav a[data-admin]");
  if (admin) admin.hidden = !signedInPubkey() || sessionStorage.getItem(ADMIN_KEY) !== signedInPubkey();
  for (const link of document.querySelectorAll("nav a")) {
    if (new URL(link.href).pathname === location.pathname) link.setAttribute("aria-current", "page");
  }
}

/** The cells every blob table starts with: preview, address, type, size, upload date. */
export function blobCells(info, blob) {
  return [
    h("td", {}, previewCell(info, blob)),
    h("td", {}, h("a", { href: blob.url, title: blob.sha256, className: "hash" }, shortHex(blob.sha256))),
    h("td", {}, blob.type || "—"),
    h("td", { className: "number" }, humanSize(blob.size)),
    h("td", {}, h("time", { dateTime: new Date(blob.uploaded * 1000).toISOString() }, humanDate(blob.uploaded))),
  ];
}
