#!/usr/bin/env bash
# Attacks from the hardening issue, measured again against the Release server now that their fixes are in:
#   preview_url  item 4: 5 000 distinct pages of 50 meta tags of 2 000 characters each through the Matrix
#                GET /_matrix/client/v1/media/preview_url; server RSS before, during, after, and settled
#   animated     item 7: a 999-frame 316x316 GIF asked for its animated preview in 36 (box, method,
#                format) combinations, then its still one the same way; statuses, time, server CPU, peak RSS
#   chunks       item 1: under a 10 MiB quota, the same 8 MiB-1 chunk (Upload-Offset 1 of an 8 MiB upload)
#                sent 12 times in turn, then 12 at once; the partial uploads' disk (peak and after) and
#                server RSS, then whether the quota counts the upload once
# Each repetition starts a fresh server (empty cache, empty data dir), with the default settings except
# the ones each section lists in the results.
# Usage: bench/hardening.sh [preview_url] [animated] [chunks]   (all by default)   -> bench/results-hardening.md
# Knobs (environment): HARDENING_REPS=3, HARDENING_PAGES=5000, HARDENING_CONCURRENCY=8 (preview_url clients),
# HARDENING_MORE_PAGES=15000 (distinct pages asked after the first ones on the same server, to see whether
# RSS levels off; 0 skips them),
# BENCH_SERVER_BUILD=<dir> (a Release build to copy instead of building), BENCH_KEEP=1 keeps the temp dir.
#
# Another attack is another section: a function hardening_<name> that runs its repetitions and appends
# its own heading, settings and rows to "$sections"; add <name> to the default parts below.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(preview_url animated chunks)
reps=${HARDENING_REPS:-3}
pages=${HARDENING_PAGES:-5000}
concurrency=${HARDENING_CONCURRENCY:-8}
more_pages=${HARDENING_MORE_PAGES:-15000}

bench_workdir bench-hardening
trap 'exit 143' TERM INT
run_start=$(date +%s)
load_before=$(bench_loadavg)
bench_need ffmpeg ffmpeg
bench_need_node_modules
bench_build
bench_keygen

results=bench/results-hardening.md
sections="$work/sections.md"
: >"$sections"

mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k / 1024}'; }
# "min–max" of the numbers given (one value alone when they agree to the format).
span() {
  printf '%s\n' "$@" | sort -g | awk -v f="${SPAN_FORMAT:-%.0f}" 'NR == 1 {lo = $1} {hi = $1}
    END {a = sprintf(f, lo); b = sprintf(f, hi); print (a == b ? a : a "–" b)}'
}
# A fresh server: the data dir of the last one removed, so nothing it made or remembered carries over.
fresh_server() {
  bench_stop_server
  rm -rf "$work/data"
  bench_start_server "$@"
}
# Waits for the server's CPU to go quiet, then polls VmRSS every 0.5 s until it has moved under 1 MiB
# for 2 s (at most 20 s): the settled figure. Prints "<VmRSS KiB> <seconds waited>".
settled_rss() {
  local start last now stable=0
  start=$(date +%s.%N)
  bench_growth_settle
  last=$(bench_status_kib "$server" VmRSS)
  for _ in $(seq 40); do
    sleep 0.5
    now=$(bench_status_kib "$server" VmRSS)
    if [ $((now > last ? now - last : last - now)) -lt 1024 ]; then stable=$((stable + 1)); else stable=0; fi
    last=$now
    [ "$stable" -ge 4 ] && break
  done
  echo "$last $(echo "$start $(date +%s.%N)" | awk '{printf "%.1f", $2 - $1}')"
}

# --- item 4: the preview_url cache ---------------------------------------------------------------

# The homeserver stand-in and the page origin in one: whoami answers any bearer token as @bench, and
# /page/<n> is 50 og: tags of 2 000 characters, distinct per page and tag; /hits counts pages served.
standin_js() {
  cat <<'EOF'
import http from 'node:http';
const port = Number(process.argv[2]);
let hits = 0;
const page = (n) => {
  let head = '';
  for (let i = 0; i < 50; i++) {
    const start = `${n}-${i}-`;
    head += `<meta property="og:tag${i}" content="${start}${'x'.repeat(2000 - start.length)}">\n`;
  }
  return `<!doctype html><html><head><title>Page ${n}</title>\n${head}</head><body>page ${n}</body></html>`;
};
http.createServer((req, res) => {
  if (req.url === '/_matrix/client/v3/account/whoami') {
    const ok = (req.headers.authorization || '').startsWith('Bearer ');
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { user_id: '@bench:example.org', is_guest: false, device_id: 'BENCH' }
      : { errcode: 'M_MISSING_TOKEN', error: 'Missing access token' }));
  } else if (req.url === '/hits') {
    res.end(String(hits));
  } else if (/^\/page\/\d+$/.test(req.url)) {
    hits++;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(Number(req.url.slice(6))));
  } else {
    res.writeHead(404).end();
  }
}).listen(port, '127.0.0.1', () => console.log('listening'));
EOF
}

# CONCURRENCY clients asking preview_url for pages FROM..TO (step STEP) of the origin; a 429 (every
# fetch slot busy) is asked again after 50 ms and counted. Prints shell assignments: statuses (final
# status:count), retries, failed (requests whose final answer was not 200), seconds.
clients_js() {
  cat <<'EOF'
const [base, token, origin, from, to, step, concurrency] = process.argv.slice(2);
const numbers = [];
for (let n = Number(from); n <= Number(to); n += Number(step)) numbers.push(n);
const statuses = {};
let retries = 0, failed = 0, next = 0;
const started = process.hrtime.bigint();
async function ask(n) {
  const url = `${base}/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(`${origin}/page/${n}`)}`;
  for (;;) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status === 429) { retries++; await new Promise((r) => setTimeout(r, 50)); continue; }
    return res.status;
  }
}
async function client() {
  while (next < numbers.length) {
    const status = await ask(numbers[next++]);
    statuses[status] = (statuses[status] || 0) + 1;
    if (status !== 200) failed++;
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, client));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const list = Object.entries(statuses).map(([s, c]) => `${s}:${c}`).join(' ');
console.log(`statuses="${list}" retries=${retries} failed=${failed} seconds=${seconds.toFixed(1)}`);
EOF
}

hardening_preview_url() {
  local port origin token=syt_bench settings rep statuses retries failed seconds
  local rss0 hwm0 rss1 hwm1 rss2 hwm2 settle cpu0 cpu1 hits0 hits1 asked cached tags chars
  local hwm3=0 rss3=0 row first_statuses
  local -a a_rss0 a_peak a_hwm1 a_rss1 a_rss2 a_cpu a_seconds a_cached a_hwm3 a_rss3
  standin_js >"$work/standin.mjs"
  clients_js >"$work/clients.mjs"
  port=$(bench_free_port)
  origin="http://127.0.0.1:$port"
  node "$work/standin.mjs" "$port" >"$work/standin.log" 2>&1 &
  bench_track $!
  for _ in $(seq 50); do curl -sf -o /dev/null "$origin/hits" && break; sleep 0.1; done
  # Matrix on, with the stand-in as its homeserver; the private-address guard opened for the loopback
  # origin as the tests do (Mirror:AllowPrivateNetworks). Everything of preview_url at its defaults.
  settings=(Blossom__Matrix__Enabled=true Blossom__Matrix__ServerName=example.org
    Blossom__Matrix__HomeserverUrl="$origin/" Blossom__Mirror__AllowPrivateNetworks=true)
  : >"$work/preview_url.rows"
  for rep in $(seq 1 "$reps"); do
    echo "preview_url: repetition $rep of $reps" >&2
    fresh_server "${settings[@]}"
    # Warm-up, not counted: the token check, the route, the parse (page 0 is outside the measured range).
    curl -sS -o "$work/page0.json" -H "Authorization: Bearer $token" \
      "$base/_matrix/client/v1/media/preview_url?url=$(node -p "encodeURIComponent('$origin/page/0')")"
    read -r tags chars < <(node -e "const p = JSON.parse(require('fs').readFileSync('$work/page0.json', 'utf8'));
      const k = Object.keys(p).filter((k) => k.startsWith('og:tag'));
      console.log(k.length, Object.entries(p).reduce((s, [k, v]) => s + k.length + String(v).length, 0))")
    read -r rss0 _ < <(settled_rss)
    hwm0=$(bench_status_kib "$server" VmHWM)
    cpu0=$(bench_cpu_seconds "$server")
    bench_rss_peak_during node "$work/clients.mjs" "$base" "$token" "$origin" 1 "$pages" 1 "$concurrency" >"$work/clients.out"
    cpu1=$(bench_cpu_seconds "$server")
    eval "$(cat "$work/clients.out")"
    rss1=$(bench_status_kib "$server" VmRSS)
    hwm1=$(bench_status_kib "$server" VmHWM)
    read -r rss2 settle < <(settled_rss)
    hwm2=$(bench_status_kib "$server" VmHWM)
    [ "$failed" = 0 ] || { echo "preview_url: $failed pages not answered 200 ($statuses)" >&2; exit 1; }
    first_statuses=$statuses
    row="$rep $rss0 $hwm0 $rss_peak_kib $hwm1 $rss1 $rss2 $settle $hwm2 $(echo "$cpu0 $cpu1" | awk '{printf "%.1f", $2 - $1}') $seconds $retries"
    a_cpu+=("$(echo "$cpu0 $cpu1" | awk '{print $2 - $1}')"); a_seconds+=("$seconds")
    # Which pages the cache kept: every 10th asked again, one client; what the origin served was not kept.
    hits0=$(curl -sS "$origin/hits")
    node "$work/clients.mjs" "$base" "$token" "$origin" 10 "$pages" 10 1 >/dev/null
    hits1=$(curl -sS "$origin/hits")
    asked=$((pages / 10))
    cached=$((asked - (hits1 - hits0)))
    # More distinct pages on the same server: does RSS keep growing with the pages seen, or level off?
    if [ "$more_pages" -gt 0 ]; then
      bench_rss_peak_during node "$work/clients.mjs" "$base" "$token" "$origin" $((pages + 1)) $((pages + more_pages)) 1 "$concurrency" >"$work/clients.out"
      eval "$(cat "$work/clients.out")"
      [ "$failed" = 0 ] || { echo "preview_url: $failed of the further pages not answered 200 ($statuses)" >&2; exit 1; }
      hwm3=$hwm_peak_kib
      read -r rss3 _ < <(settled_rss)
      a_hwm3+=("$(mib "$hwm3")"); a_rss3+=("$(mib "$rss3")")
    fi
    echo "$row $cached $asked $tags $chars $hwm3 $rss3 \"$first_statuses\"" >>"$work/preview_url.rows"
    a_rss0+=("$(mib "$rss0")"); a_peak+=("$(mib "$hwm1")"); a_rss1+=("$(mib "$rss1")"); a_rss2+=("$(mib "$rss2")")
    a_cached+=("$cached")
  done
  bench_stop_server
  {
    echo "## Item 4: preview_url cache, $pages distinct pages of 50 tags × 2 000 characters"
    echo
    echo "Settings (all else default, so \`Matrix:PreviewUrl:CacheBytes\` is its 32 MiB and \`CacheSeconds\` 3600):"
    echo "\`Blossom__Matrix__Enabled=true\`, \`Blossom__Matrix__ServerName=example.org\`,"
    echo "\`Blossom__Matrix__HomeserverUrl=<the stand-in>\`, \`Blossom__Mirror__AllowPrivateNetworks=true\` (the origin is"
    echo "on loopback; the guard is opened as \`Blossom.Tests/Matrix/PreviewUrlTests.cs\` does). A node stand-in answers"
    echo "whoami for the bearer token and serves \`/page/<n>\`: 50 \`<meta property=\"og:tagI\" content=\"…\">\` of 2 000"
    echo "characters each, distinct per page and tag (~100 KB a page). $concurrency clients ask"
    echo "\`GET /_matrix/client/v1/media/preview_url?url=…/page/<n>\` for n = 1..$pages (a 429, every fetch slot busy, is"
    echo "asked again after 50 ms and counted as a retry). A fresh server each repetition; page 0 asked first as a warm-up."
    echo
    echo "Before the fix (the issue): 177 MB → 1.45 GB RSS, held for the hour of \`CacheSeconds\`."
    echo
    echo "| rep | VmRSS before | VmHWM before | sampled peak RSS during | VmHWM after | VmRSS after | VmRSS settled (wait) | VmHWM settled | server CPU | wall | 429 retries | kept in cache (re-asked) | one answer: tags, characters | statuses |$([ "$more_pages" -gt 0 ] && echo " VmHWM, then VmRSS settled, after $more_pages more pages |")"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |$([ "$more_pages" -gt 0 ] && echo " --- |")"
    while read -r rep rss0 hwm0 peak hwm1 rss1 rss2 settle hwm2 cpu seconds retries cached asked tags chars hwm3 rss3 statuses; do
      echo "| $rep | $(mib "$rss0") MiB | $(mib "$hwm0") MiB | $(mib "$peak") MiB | $(mib "$hwm1") MiB | $(mib "$rss1") MiB | $(mib "$rss2") MiB (${settle} s) | $(mib "$hwm2") MiB | $cpu s | $seconds s | $retries | $cached of $asked | $tags, $chars | ${statuses//\"/} |$([ "$more_pages" -gt 0 ] && echo " $(mib "$hwm3") MiB, $(mib "$rss3") MiB |")"
    done <"$work/preview_url.rows"
    echo
    echo "Ranges over $reps repetitions: VmRSS before $(span "${a_rss0[@]}") MiB → VmHWM after $(span "${a_peak[@]}") MiB,"
    echo "VmRSS after $(span "${a_rss1[@]}") MiB, settled $(span "${a_rss2[@]}") MiB; server CPU $(SPAN_FORMAT=%.1f span "${a_cpu[@]}") s;"
    echo "wall $(SPAN_FORMAT=%.1f span "${a_seconds[@]}") s; pages still answered from the cache $(span "${a_cached[@]}") of $((pages / 10)) asked again."
    [ "$more_pages" = 0 ] || echo "After $more_pages more distinct pages on the same server (pages $((pages + 1))..$((pages + more_pages))), VmHWM $(span "${a_hwm3[@]}") MiB, VmRSS settled $(span "${a_rss3[@]}") MiB."
    echo
    echo "VmHWM is reset (\`/proc/<pid>/clear_refs\`) just before the $pages requests where the kernel allows, so"
    echo "\"VmHWM after\" is the peak of the run itself; the sampled peak is VmRSS read every ~20 ms. \"Settled\" waits"
    echo "for the server's CPU to go quiet, then for VmRSS to move under 1 MiB for 2 s. \"One answer\" is what page 0's"
    echo "preview kept of its 50 tags: the per-page cap (\`OpenGraphPage.MaxTagsLength\`, 8 000 characters). \"Kept in"
    echo "cache\": every 10th page asked again by one client after the settle; those the origin did not serve again were"
    echo "answered from the cache. The server runs with Server GC (ASP.NET Core's default, \`System.GC.Server\` in its"
    echo "runtimeconfig), which keeps freed heap as long as there is no memory pressure."
    echo
  } >>"$sections"
}

# --- item 7: animated previews ---------------------------------------------------------------------

boxes=(32x32 96x96 320x240 640x480 800x600 1280x720) # the default Previews:Sizes
# GET /<sha256>/preview in every box × method × format, one after another, animated=ANIMATED; each
# answer's "<status> <seconds>" appended to $work/round.txt.
preview_round() { # sha256 animated
  local box method format
  : >"$work/round.txt"
  for box in "${boxes[@]}"; do
    for method in scale crop; do
      for format in webp jpeg png; do
        curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' \
          "$base/$1/preview?w=${box%x*}&h=${box#*x}&method=$method&format=$format&animated=$2" >>"$work/round.txt"
      done
    done
  done
}

hardening_animated() {
  local gif="$work/anim.gif" sha rep kind animated start end cpu0 cpu1 cpu wall statuses first slowest reason
  local -a a_wall a_cpu a_peak s_wall s_cpu s_peak
  ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i testsrc=size=316x316:rate=25 -frames:v 999 "$gif"
  sha=$(bench_sha "$gif")
  : >"$work/animated.rows"
  for rep in $(seq 1 "$reps"); do
    echo "animated: repetition $rep of $reps" >&2
    fresh_server
    bench_upload "$gif" image/gif >/dev/null
    bench_growth_settle
    for kind in animated still; do
      animated=$([ "$kind" = animated ] && echo 1 || echo 0)
      cpu0=$(bench_cpu_seconds "$server")
      start=$(date +%s.%N)
      bench_rss_peak_during preview_round "$sha" "$animated"
      end=$(date +%s.%N)
      cpu1=$(bench_cpu_seconds "$server")
      wall=$(echo "$start $end" | awk '{printf "%.2f", $2 - $1}')
      statuses=$(cut -d' ' -f1 "$work/round.txt" | sort | uniq -c | awk '{printf "%s%s×%s", (NR > 1 ? " " : ""), $1, $2}')
      slowest=$(cut -d' ' -f2 "$work/round.txt" | sort -g | tail -1 | awk '{printf "%.3f", $1}')
      first=$(head -1 "$work/round.txt" | awk '{printf "%.3f", $2}')
      cpu=$(echo "$cpu0 $cpu1" | awk '{printf "%.2f", $2 - $1}')
      echo "$rep $kind $wall $first $slowest $cpu $rss_peak_kib $hwm_peak_kib $statuses" >>"$work/animated.rows"
      if [ "$kind" = animated ]; then
        a_wall+=("$wall"); a_cpu+=("$cpu"); a_peak+=("$(mib "$hwm_peak_kib")")
      else
        s_wall+=("$wall"); s_cpu+=("$cpu"); s_peak+=("$(mib "$hwm_peak_kib")")
      fi
    done
  done
  reason=$(curl -sS "$base/$sha/preview?animated=1")
  bench_stop_server
  {
    echo "## Item 7: animated previews of a 999-frame 316x316 GIF (99.8 MP in all frames)"
    echo
    echo "Settings: none beyond the bench's own (all \`Previews\` defaults: \`MaxAnimatedPixels\` 25 MP, \`TimeoutSeconds\` 30,"
    echo "\`MaxSourcePixels\` 100 MP, \`Concurrency\` half the cores). The GIF (ffmpeg \`testsrc\`, $(stat -c %s "$gif") bytes) is"
    echo "uploaded with \`PUT /upload\`, then \`GET /<sha256>/preview?w=&h=&method=&format=&animated=1\` is asked one after"
    echo "another in the 36 combinations of the ${#boxes[@]} default boxes (${boxes[*]}), scale/crop and webp/jpeg/png (an"
    echo "animated preview is always WebP, so these are 12 distinct previews; before the fix each of the 36 could cost a"
    echo "render), then the same 36 with \`animated=0\`, the still preview. A fresh server each repetition."
    echo
    echo "Before the fix (the issue): each animated request ran its full 30 s, then 422, and the failure was remembered"
    echo "per (size, method, format): up to 36 such renders every 10 minutes for one GIF."
    echo
    echo "| rep | preview | statuses | wall, all 36 | first request | slowest request | server CPU | sampled peak RSS | VmHWM |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    while read -r rep kind wall first slowest cpu peak hwm statuses; do
      echo "| $rep | $kind | $statuses | $wall s | $first s | $slowest s | $cpu s | $(mib "$peak") MiB | $(mib "$hwm") MiB |"
    done <"$work/animated.rows"
    echo
    echo "Ranges over $reps repetitions: animated: wall $(SPAN_FORMAT=%.2f span "${a_wall[@]}") s, server CPU $(SPAN_FORMAT=%.2f span "${a_cpu[@]}") s,"
    echo "VmHWM $(span "${a_peak[@]}") MiB; still: wall $(SPAN_FORMAT=%.2f span "${s_wall[@]}") s, server CPU $(SPAN_FORMAT=%.2f span "${s_cpu[@]}") s,"
    echo "VmHWM $(span "${s_peak[@]}") MiB."
    echo
    echo "The refusal's answer: \`$reason\`"
    echo
    echo "VmHWM is reset just before each set of 36 where the kernel allows: it is that set's peak."
    echo
  } >>"$sections"
}

# --- item 1: repeated chunks ---------------------------------------------------------------------

# Bytes in the partial uploads' folder of the store's temp area.
partial_bytes() { du -sb "$work/data/blobs/.tmp/partial" 2>/dev/null | cut -f1 || echo 0; }

# PATCH /<sha256> of the chunk file at Upload-Offset 1 of the 8 MiB upload; appends its status to $work/chunks.status.
send_chunk() { # sha256 chunk-file offset
  curl -sS -o /dev/null -w '%{http_code}\n' -X PATCH "$base/$1" -T "$2" \
    -H "Content-Type: application/octet-stream" -H "Upload-Type: application/octet-stream" \
    -H "Upload-Length: $chunk_upload_length" -H "Upload-Offset: $3" -H "Authorization: $chunk_auth" >>"$work/chunks.status"
}

# Runs a command while sampling the partial folder's size every 50 ms; sets disk_peak.
disk_peak_during() {
  local stop="$work/disk.stop" out="$work/disk.max" sampler
  rm -f "$stop" "$out"
  (
    max=0
    while [ ! -e "$stop" ]; do
      now=$(partial_bytes)
      [ "$now" -gt "$max" ] && max=$now
      sleep 0.05
    done
    echo "$max" >"$out"
  ) &
  sampler=$!
  "$@"
  touch "$stop"
  wait "$sampler"
  disk_peak=$(cat "$out")
}

twelve_in_turn() { for _ in $(seq 12); do send_chunk "$1" "$2" 1; done; }
twelve_at_once() {
  local pids=()
  for _ in $(seq 12); do send_chunk "$1" "$2" 1 & pids+=($!); done
  wait "${pids[@]}"
}

hardening_chunks() {
  local blob="$work/chunked.bin" chunk="$work/chunk.bin" first="$work/first.bin" fits="$work/fits.bin" over="$work/over.bin"
  local sha rep turn_statuses once_statuses fits_status over_status last_status
  local -a turn_peak turn_after once_peak once_after once_rss
  chunk_upload_length=$((8 * 1024 * 1024))
  head -c "$chunk_upload_length" /dev/urandom >"$blob"
  tail -c +2 "$blob" >"$chunk"
  head -c 1 "$blob" >"$first"
  sha=$(bench_sha "$blob")
  : >"$work/chunks.rows"
  for rep in $(seq 1 "$reps"); do
    echo "chunks: repetition $rep of $reps" >&2
    fresh_server Blossom__Upload__QuotaBytesPerPubkey=10485760
    chunk_auth=$(bench_token upload "$sha")
    : >"$work/chunks.status"
    disk_peak_during twelve_in_turn "$sha" "$chunk"
    turn_peak+=("$disk_peak"); turn_after+=("$(partial_bytes)")
    turn_statuses=$(sort "$work/chunks.status" | uniq -c | awk '{printf "%s%s×%s", (NR > 1 ? " " : ""), $1, $2}')
    : >"$work/chunks.status"
    bench_rss_peak_during disk_peak_during twelve_at_once "$sha" "$chunk"
    once_peak+=("$disk_peak"); once_after+=("$(partial_bytes)"); once_rss+=("$(mib "$hwm_peak_kib")")
    once_statuses=$(sort "$work/chunks.status" | uniq -c | awk '{printf "%s%s×%s", (NR > 1 ? " " : ""), $1, $2}')
    # The quota holds 10 MiB: the upload's 8 MiB once, so 2 MiB more fits and 2 MiB + 1 byte does not.
    head -c $((2 * 1024 * 1024)) /dev/urandom >"$fits"
    head -c $((2 * 1024 * 1024 + 1)) /dev/urandom >"$over"
    over_status=$(bench_put_upload "$over" | cut -d' ' -f1)
    fits_status=$(bench_put_upload "$fits" | cut -d' ' -f1)
    : >"$work/chunks.status"
    send_chunk "$sha" "$first" 0
    last_status=$(cat "$work/chunks.status")
    echo "$rep ${turn_peak[-1]} ${turn_after[-1]} ${once_peak[-1]} ${once_after[-1]} ${once_rss[-1]} $over_status $fits_status $last_status $(partial_bytes) $turn_statuses / $once_statuses" >>"$work/chunks.rows"
  done
  bench_stop_server
  {
    echo "## Item 1: the same chunk sent again and again"
    echo
    echo "Settings: \`Blossom__Upload__QuotaBytesPerPubkey=10485760\` (10 MiB). One pubkey sends \`PATCH /<sha256>\` of an"
    echo "8 MiB upload with \`Upload-Offset: 1\` and the upload's bytes 1 to the end (8 MiB - 1) as the body, 12 times one after"
    echo "another, then 12 times at once. The partial uploads' folder is measured with \`du -sb\` every 50 ms (peak) and"
    echo "after each set. Then a 2 MiB + 1 byte \`PUT /upload\` (must be 413: the upload holds 8 MiB of the quota) and a 2 MiB"
    echo "one (must be 201), then byte 0 completes the upload (201) and the folder is empty again. A fresh server each repetition."
    echo
    echo "Before the fix (the issue): every chunk was answered 204 and kept whole: 96 MiB in the partial folder after 12,"
    echo "while the quota counted 8 MiB."
    echo
    echo "| rep | partial folder peak / after, 12 in turn | peak / after, 12 at once | VmHWM, 12 at once | 2 MiB + 1 / 2 MiB upload | completing chunk | folder after | chunk answers (in turn / at once) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    while read -r rep tp ta op oa rss over fits last left statuses; do
      echo "| $rep | $tp / $ta B | $op / $oa B | $rss MiB | $over / $fits | $last | $left B | $statuses |"
    done <"$work/chunks.rows"
    echo
    echo "Ranges over $reps repetitions: peak disk in turn $(span "${turn_peak[@]}") B, at once $(span "${once_peak[@]}") B"
    echo "(the upload is $chunk_upload_length B); VmHWM during the 12 at once $(span "${once_rss[@]}") MiB."
    echo
  } >>"$sections"
}

for part in "${parts[@]}"; do "hardening_$part"; done
{
  echo "# Hardening: attacks from the issue, measured after their fixes"
  echo
  echo "Run of \`bench/hardening.sh ${parts[*]}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; load average before:"
  echo "$load_before, after: $(bench_loadavg); $(($(date +%s) - run_start)) s in all. Release build, SQLite + files. Every server"
  echo "runs with the defaults except the bench's own settings (\`bench/lib.sh\`: data paths in a temp dir and"
  echo "\`Blossom__RateLimit__PerIpPerMinute=0\`, \`Blossom__RateLimit__PerPubkeyPerMinute=0\`, since every request"
  echo "comes from one address) and what each section lists. $reps repetitions each."
  echo
  cat "$sections"
} >"$results"
cat "$results"
