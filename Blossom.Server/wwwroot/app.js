// The landing page: shows /info and uploads one file, signed by a NIP-07 extension (window.nostr).
// A file larger than one chunk goes in chunks (BUD-14 PATCH /<sha256>) when the server offers it, so it
// passes proxies that cap request bodies, and a failed chunk is sent again instead of the whole file.
import { $, humanSize, humanDuration, hasSigner, signToken, failure, loadInfo as readInfo, rememberTask, showMenu } from "./common.js";

/** Bytes per chunk: well under the 100 MB many proxies allow, few enough requests for a large file. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** How often a chunk is sent again after a network error, 429 or 5xx before the upload gives up. */
const CHUNK_ATTEMPTS = 5;

const els = {
  limits: $("limits"), signer: $("signer"), form: $("upload-form"), drop: $("drop"), dropText: $("drop-text"),
  file: $("file"), modeUpload: $("mode-upload"), modeMedia: $("mode-media"), mediaNote: $("media-note"),
  upload: $("upload"), uploadProgress: $("upload-progress"), taskProgress: $("task-progress"),
  status: $("status"), result: $("result"),
};
let info = null;
let chosen = null;
let busy = false;

function setStatus(text, isError = false) {
  els.status.textContent = text;
  els.status.classList.toggle("error", isError);
}

function refreshControls() {
  const mediaOn = Boolean(info && info.media && info.media.enabled);
  els.modeMedia.disabled = !mediaOn || busy;
  els.modeUpload.disabled = busy;
  if (!mediaOn && els.modeMedia.checked) els.modeUpload.checked = true;
  els.mediaNote.textContent = mediaOn ? "(PUT /media)" : "(not enabled on this server)";
  const needsAuth = !info || info.upload.requiresAuth;
  els.upload.disabled = busy || !chosen || (needsAuth && !hasSigner());
  if (hasSigner()) {
    els.signer.hidden = true;
  } else {
    els.signer.hidden = false;
    els.signer.textContent = needsAuth
      ? "Uploading needs a NIP-07 browser extension (for example nos2x or Alby) to sign the request with your Nostr key. None was found in this browser."
      : "No NIP-07 extension (for example nos2x or Alby) was found: uploads will be anonymous, and you will not be able to delete them.";
  }
}

function row(name, value) {
  const tr = document.createElement("tr");
  const th = document.createElement("th");
  const td = document.createElement("td");
  th.scope = "row";
  th.textContent = name;
  td.textContent = value;
  tr.append(th, td);
  return tr;
}

function showInfo(data) {
  const u = data.upload, m = data.media;
  const table = document.createElement("table");
  const rows = [
    ["Specifications (BUDs)", data.buds.join(", ")],
    ["Largest upload", humanSize(u.maxSizeBytes)],
    ["Uploads need a signed token", u.requiresAuth ? "yes" : "no"],
    ["Accepted types", u.allowedTypes.length ? u.allowedTypes.join(", ") : "any"],
    ["Storage quota per pubkey", u.quotaBytesPerPubkey ? humanSize(u.quotaBytesPerPubkey) : "no quota"],
    ["Media optimization", m.enabled ? `yes (${m.mode === "sync" ? "waits for the result" : "in the background"})` : "no"],
  ];
  if (m.enabled) {
    rows.push(
      ["Largest media upload", humanSize(m.maxSizeBytes)],
      ["Images become", `${m.imageFormat === "webp" ? "WebP" : m.imageFormat.toUpperCase()}, at most ${m.imageMaxWidth} × ${m.imageMaxHeight} px`],
      ["Videos become", `at most ${m.videoMaxHeight}p, ${m.videoMaxFps} fps`],
      ["Longest media", humanDuration(m.maxDurationSeconds)],
    );
  }
  rows.push(["Mirroring (BUD-04)", data.mirror ? "yes" : "no"], ["Listing blobs needs a token", data.listRequiresAuth ? "yes" : "no"]);
  const chunked = data.chunkedUpload;
  rows.push(["Uploads in chunks (BUD-14)", chunked && chunked.supported
    ? `yes: up to ${humanSize(chunked.maxChunkBytes)} per chunk; an unfinished upload is kept ${humanDuration(chunked.partialTimeoutSeconds)} after its last chunk`
    : "no"]);
  const matrix = data.matrix;
  rows.push(["Matrix media repository", matrix && matrix.enabled ? `yes, for mxc://${matrix.serverName}/… (/_matrix/media)` : "no"]);
  for (const [name, value] of rows) table.append(row(name, value));
  els.limits.replaceChildren(table);
}

async function loadInfo() {
  try {
    info = await readInfo();
    showInfo(info);
  } catch (error) {
    els.limits.textContent = `Could not read /info: ${error.message}`;
  }
  refreshControls();
}

function choose(file) {
  chosen = file || null;
  els.dropText.textContent = chosen ? `${chosen.name} — ${humanSize(chosen.size)}` : "Drop a file here, or click to choose one";
  els.result.replaceChildren();
  els.uploadProgress.value = 0;
  els.taskProgress.value = 0;
  setStatus("");
  if (chosen && info) {
    const limit = els.modeMedia.checked ? info.media.maxSizeBytes : info.upload.maxSizeBytes;
    if (chosen.size > limit) setStatus(`This file is larger than the server accepts (${humanSize(limit)}).`, true);
  }
  refreshControls();
}

function toHex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function authorization(verb, file, sha256, lifetimeSeconds = 300) {
  if (!hasSigner()) return null;
  await window.nostr.getPublicKey();
  return signToken(verb, `Upload ${file.name}`, { hashes: [sha256], lifetimeSeconds });
}

function put(path, file, sha256, auth) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", path);
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader("X-SHA-256", sha256);
    if (auth) xhr.setRequestHeader("Authorization", auth);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) els.uploadProgress.value = Math.round((event.loaded / event.total) * 100);
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return reject(failure(xhr, xhr.status));
      els.uploadProgress.value = 100;
      try { resolve(JSON.parse(xhr.responseText)); } catch { reject(new Error("The server's answer was not JSON")); }
    };
    xhr.onerror = () => reject(new Error("The upload failed: network error"));
    xhr.send(file);
  });
}

/** Whether a file goes in chunks: larger than one, stored as is, on a server that takes chunks. */
function goesInChunks(file, media) {
  return !media && file.size > CHUNK_BYTES && Boolean(info && info.chunkedUpload && info.chunkedUpload.supported);
}

/** The file's SHA-256, read a chunk at a time so a large file is never in memory whole. */
async function hashInPieces(file) {
  const hash = new Sha256();
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    hash.update(new Uint8Array(await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer()));
    setStatus(`Hashing the file… ${Math.round((Math.min(offset + CHUNK_BYTES, file.size) / file.size) * 100)}%`);
  }
  return hash.hex();
}

/** Sends one chunk; resolves with the status and, once the blob is complete, its descriptor. */
function patchChunk(sha256, file, offset, auth, onProgress) {
  const chunk = file.slice(offset, offset + CHUNK_BYTES);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PATCH", `/${sha256}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Upload-Type", file.type || "application/octet-stream");
    xhr.setRequestHeader("Upload-Length", String(file.size));
    xhr.setRequestHeader("Upload-Offset", String(offset));
    if (auth) xhr.setRequestHeader("Authorization", auth);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => resolve({ xhr, status: xhr.status });
    xhr.onerror = () => resolve({ xhr: null, status: 0 });
    xhr.send(chunk);
  });
}

function pause(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Uploads the file in chunks, one after the other, each retried after a network error, 429 or 5xx
 * (waiting as Retry-After says, else longer each time); answers the descriptor the last chunk brings.
 */
async function uploadInChunks(file, sha256, auth) {
  let answer = null;
  for (let offset = 0; offset < file.size; offset += CHUNK_BYTES) {
    for (let attempt = 1; ; attempt++) {
      const { xhr, status } = await patchChunk(sha256, file, offset, auth, (sent) => {
        els.uploadProgress.value = Math.round(((offset + sent) / file.size) * 100);
      });
      if (status >= 200 && status < 300) {
        if (status !== 204) answer = JSON.parse(xhr.responseText);
        break;
      }
      const transient = status === 0 || status === 429 || status >= 500;
      if (!transient || attempt >= CHUNK_ATTEMPTS) throw xhr ? failure(xhr, status) : new Error("The upload failed: network error");
      const retryAfter = Number(xhr && xhr.getResponseHeader("Retry-After"));
      setStatus(`Chunk at ${humanSize(offset)} failed (${status ? `HTTP ${status}` : "network error"}); sending it again (attempt ${attempt + 1} of ${CHUNK_ATTEMPTS})…`);
      await pause(retryAfter > 0 ? retryAfter * 1000 : 1000 * 2 ** (attempt - 1));
    }
    setStatus(`Uploading in chunks… ${humanSize(Math.min(offset + CHUNK_BYTES, file.size))} of ${humanSize(file.size)}`);
  }
  if (!answer) throw new Error("The server took every chunk but did not answer with the stored blob");
  els.uploadProgress.value = 100;
  return answer;
}

async function followTask(task) {
  while (task.status === "running") {
    els.taskProgress.value = task.progress || 0;
    setStatus(`Optimizing: ${task.progress || 0}%${task.message ? ` — ${task.message}` : ""}`);
    // wait=1: the answer comes as soon as the task ends, or after a second with its progress so far.
    const response = await fetch(`/media/${encodeURIComponent(task.id)}?wait=1`, { headers: { Accept: "application/json" } });
    if (!response.ok) throw failure(response, response.status);
    task = await response.json();
  }
  els.taskProgress.value = task.progress || 0;
  if (task.status === "complete" && task.blob) {
    els.taskProgress.value = 100;
    return task;
  }
  throw new Error(task.message || `The optimization ended: ${task.status}`);
}

// The blob's preview, found as any client finds it: the descriptor's NIP-94 thumb tag once the preview
// exists, else the Link rel="preview" of a HEAD request (the server makes the preview on first fetch).
function previewOf(blob) {
  const img = document.createElement("img");
  img.alt = "Preview of the stored file";
  img.style.display = "none"; // until there is a picture to show
  img.onload = () => { img.style.display = ""; };
  img.onerror = () => img.remove();
  const thumb = (blob.nip94 || []).find((tag) => tag[0] === "thumb");
  if (thumb) {
    img.src = thumb[1];
  } else {
    fetch(blob.url, { method: "HEAD" })
      .then((response) => /<([^>]*)>\s*;\s*rel="?preview"?/i.exec(response.headers.get("Link") || ""))
      .then((link) => { if (link) img.src = link[1]; else img.remove(); })
      .catch(() => img.remove());
  }
  return img;
}

function showBlob(blob, label) {
  const p = document.createElement("p");
  const a = document.createElement("a");
  a.href = blob.url;
  a.textContent = blob.url;
  p.append(`${label} (${humanSize(blob.size)}, ${blob.type || "unknown type"}): `, a);
  const children = [p];
  if ((blob.type || "").startsWith("image/")) children.push(previewOf(blob));
  els.result.replaceChildren(...children);
}

// A video result plays in the page. With an HLS ladder (task.streaming) the browser gets the master
// playlist first where it plays HLS itself (Safari, Chromium on Android and recent desktop versions),
// else the MP4; no player script is loaded. The poster is the descriptor's NIP-94 image tag.
function showVideo(blob, streaming) {
  if (!(blob.type || "").startsWith("video/")) return;
  const video = document.createElement("video");
  video.controls = true;
  video.playsInline = true;
  video.preload = "metadata";
  const poster = (blob.nip94 || []).find((tag) => tag[0] === "image");
  if (poster) video.poster = poster[1];
  const sources = [];
  if (streaming && video.canPlayType(streaming.type)) sources.push(streaming);
  sources.push(blob);
  for (const { url, type } of sources) {
    const source = document.createElement("source");
    source.src = url;
    source.type = type;
    video.append(source);
  }
  els.result.append(video);
  if (streaming) {
    const p = document.createElement("p");
    const a = document.createElement("a");
    a.href = streaming.url;
    a.textContent = streaming.url;
    p.append(`HLS master playlist${video.canPlayType(streaming.type) ? " (playing)" : " (this browser plays the MP4; HLS needs Safari or a player such as hls.js)"}: `, a);
    els.result.append(p);
  }
}

async function upload(event) {
  event.preventDefault();
  if (!chosen || busy) return;
  const file = chosen;
  const media = els.modeMedia.checked;
  busy = true;
  refreshControls();
  els.result.replaceChildren();
  els.uploadProgress.value = 0;
  els.taskProgress.value = 0;
  try {
    const chunked = goesInChunks(file, media);
    setStatus("Hashing the file…");
    const sha256 = chunked ? await hashInPieces(file) : toHex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
    setStatus("Waiting for the signature from your Nostr extension…");
    // One token serves every chunk, so it must outlive the whole upload.
    const auth = await authorization(media ? "media" : "upload", file, sha256, chunked ? 3600 : 300);
    setStatus("Uploading…");
    const answer = chunked ? await uploadInChunks(file, sha256, auth) : await put(media ? "/media" : "/upload", file, sha256, auth);
    if (media && !answer.sha256) {
      setStatus("Uploaded; optimizing…");
      rememberTask(answer.id, file.name);
      const task = await followTask(answer);
      showBlob(task.blob, "Optimized");
      showVideo(task.blob, task.streaming);
    } else {
      if (media) els.taskProgress.value = 100;
      showBlob(answer, media ? "Optimized" : "Stored");
      showVideo(answer, answer.streaming);
    }
    setStatus("Done.");
  } catch (error) {
    setStatus(error.message || String(error), true);
  } finally {
    busy = false;
    refreshControls();
  }
}

els.file.addEventListener("change", () => choose(els.file.files[0]));
els.modeMedia.addEventListener("change", () => choose(chosen));
els.modeUpload.addEventListener("change", () => choose(chosen));
els.form.addEventListener("submit", upload);
for (const name of ["dragenter", "dragover"]) {
  els.drop.addEventListener(name, (event) => { event.preventDefault(); els.drop.classList.add("over"); });
}
for (const name of ["dragleave", "drop"]) {
  els.drop.addEventListener(name, () => els.drop.classList.remove("over"));
}
els.drop.addEventListener("drop", (event) => {
  event.preventDefault();
  if (event.dataTransfer.files.length) choose(event.dataTransfer.files[0]);
});
// Extensions may inject window.nostr a moment after the page loads.
setTimeout(refreshControls, 500);
showMenu();
loadInfo();
