#!/usr/bin/env bash
# How the server behaves as what it holds grows: blobs in the index, a media backlog, open connections.
# Writes bench/results-growth.md and bench/growth-{blobs,backlog,connections}.png (gnuplot).
#   bench/growth.sh [blobs] [backlog] [connections]     (all three by default; ~10 min on 2 cores)
# Knobs (environment):
#   GROWTH_SIZES="10000 100000 1000000"  blobs held at each step (rows inserted straight into SQLite)
#   GROWTH_REQUESTS=2000 GROWTH_UPLOADS=400 GROWTH_CONCURRENCY=8   requests per latency figure
#   GROWTH_OWNER_UPLOADS=8   uploads by the pubkey owning ~90% of the rows (one at a time)
#   GROWTH_MEDIA_TASKS=1100 GROWTH_MEDIA_QUEUE=1000   PUT /media submissions and Media:QueueCapacity
#   GROWTH_CONNECTIONS="0 1000 2500 5000" GROWTH_LONGPOLLS=1000   idle keep-alives, then long-polls beside them
#   BENCH_SERVER_BUILD=<dir>   a Release build to copy instead of building
set -euo pipefail
. "$(dirname "$0")/lib.sh"

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(blobs backlog connections)
sizes=(${GROWTH_SIZES:-10000 100000 1000000})
requests=${GROWTH_REQUESTS:-2000}
uploads=${GROWTH_UPLOADS:-400}
owner_uploads=${GROWTH_OWNER_UPLOADS:-8}
concurrency=${GROWTH_CONCURRENCY:-8}
media_tasks=${GROWTH_MEDIA_TASKS:-1100}
media_queue=${GROWTH_MEDIA_QUEUE:-1000}
connection_steps=(${GROWTH_CONNECTIONS:-0 1000 2500 5000})
longpolls=${GROWTH_LONGPOLLS:-1000}

bench_workdir growth
# A TERM or Ctrl-C still runs the EXIT trap, which stops the server and the load.
trap 'exit 143' TERM INT
bench_need gnuplot gnuplot-nox
bench_need sqlite3 sqlite3
bench_need_node_modules
bench_build
bench_keygen
# Each held connection is a descriptor on both ends.
ulimit -n "$(ulimit -Hn)"

results=bench/results-growth.md
sections="$work/sections.md"
: >"$sections"

# --- 1. blobs held -------------------------------------------------------------------------------
growth_blobs() {
  local size held=0 row start_s start_cpu known missing deep_cursor sha figures
  # The key of bench_keygen owns ~90% of the rows: its /list is the deep one, and its uploads show
  # whether the quota check costs more for a pubkey that owns more. A quota is set (1 TiB, never reached) so the check runs.
  local settings=(Blossom__Upload__QuotaBytesPerPubkey=1099511627776)
  bench_start_server "${settings[@]}"
  head -c 1024 /dev/urandom >"$work/known.bin"
  known=$(bench_sha "$work/known.bin")
  bench_upload "$work/known.bin" >/dev/null
  bench_stop_server
  missing=$(head -c 32 /dev/urandom | sha256sum | cut -d' ' -f1)
  local table="$work/blobs.tsv"
  : >"$table"
  for size in "${sizes[@]}"; do
    bench_growth_insert_blobs "$work/data/blossom.db" "$held" "$size" "$NOSTR_PUBKEY"
    held=$size
    # The insert's dirty pages are written back now, not during the measurements.
    sync
    start_s=$(date +%s.%N)
    bench_start_server "${settings[@]}"
    start_s=$(bench_elapsed "$start_s" "$(date +%s.%N)")
    start_cpu=$(bench_cpu_seconds "$server")
    deep_cursor=$(bench_growth_deep_cursor "$work/data/blossom.db" "$NOSTR_PUBKEY")
    figures="$size $start_s"
    for row in "GET $base/$known" "HEAD $base/$missing" \
      "GET $base/list/$NOSTR_PUBKEY?limit=100" "GET $base/list/$NOSTR_PUBKEY?limit=100&cursor=$deep_cursor"; do
      bench_growth_latency node bench/growth.mjs latency "${row#* }" "${row%% *}" "$requests" "$concurrency"
      figures="$figures $p50_ms $p99_ms $cpu_us"
    done
    # New pubkeys own nothing; the deep owner's upload is the one whose quota check would read its list if it summed it.
    local fresh
    fresh=$(node tools/nostr-auth.mjs keygen | sed -n 's/^NOSTR_SECRET=//p')
    NOSTR_SECRET=$fresh bench_growth_latency node bench/growth.mjs upload "$base" "$uploads" "$concurrency"
    figures="$figures $p50_ms $p99_ms $cpu_us"
    bench_growth_latency node bench/growth.mjs upload "$base" "$owner_uploads" 1
    figures="$figures $p50_ms $p99_ms $cpu_us"
    echo "$figures $(bench_status_kib "$server" VmRSS) $start_cpu" >>"$table"
    echo "blobs: $figures" >&2
    bench_stop_server
  done
  local first last
  first=$(head -1 "$table")
  last=$(tail -1 "$table")
  {
    echo "## 1. Blobs held: ${sizes[*]}"
    echo
    echo "Rows inserted straight into the SQLite index (one transaction per step, ~90% owned by one pubkey, the rest by"
    echo "100 others); only the GET's blob has a file. $requests requests per figure ($uploads for uploads), $concurrency at a time"
    echo "over keep-alive connections (node http); the ~90% owner's uploads: $owner_uploads, one at a time. \`List:RequireAuth\` is false (the default), so /list needs no token."
    echo "\`Upload:QuotaBytesPerPubkey\` is 1 TiB (never reached) so the quota check, which reads the uploader's kept total, runs."
    echo "Start-up: launch until /healthz answers (polled every 0.2 s)."
    echo
    echo "| figure (ms) | $(printf '%s | ' "${sizes[@]}")$(awk -v a="${sizes[0]}" -v b="${sizes[-1]}" 'BEGIN{printf "%s / %s", b, a}') | met? (≤ 1.5×) |"
    echo "| --- | $(printf -- '--- | %.0s' "${sizes[@]}")--- | --- |"
    local names=("start-up (s)") figure
    for figure in "GET known blob" "HEAD missing blob" "/list first page (100)" "/list deep cursor page (100)" \
      "PUT /upload 1 KiB, new pubkey" "PUT /upload 1 KiB, the ~90% owner"; do
      names+=("$figure p50" "$figure p99" "$figure, server CPU µs/request")
    done
    names+=("server RSS after the step (MiB)" "start-up, server CPU until /healthz (s)")
    local i col
    for i in "${!names[@]}"; do
      col=$((i + 2))
      printf '| %s |' "${names[$i]}"
      awk -v c="$col" -v rss=$((i == ${#names[@]} - 2)) '{printf " %s |", rss ? sprintf("%.0f", $c / 1024) : $c}' "$table"
      echo "$first $last" | awk -v c="$col" -v n=$(($(wc -w <<<"$first"))) -v start=$((col == 2)) \
        '{a = $c; b = $(c + n); r = a > 0 ? b / a : 0; printf " %.2f× | %s |\n", r, start ? "(reported)" : (r <= 1.5 ? "yes" : "**no**")}'
    done
    echo
    echo "Query plans at ${sizes[-1]} (sqlite3 \`EXPLAIN QUERY PLAN\` of the statements SqlBlobIndex runs):"
    echo
    echo '```'
    bench_growth_plans "$work/data/blossom.db" "$NOSTR_PUBKEY" "$deep_cursor"
    echo '```'
    echo
    echo "Every plan is an index search, so a GET, a HEAD and a /list page (first or by cursor) cost the same at any size."
    echo "The quota check (the last plan) reads the uploader's total from owner_usage, which triggers keep as owners and"
    echo "blobs come and go, and one owners key: the same cost whatever the uploader owns."
    echo
    echo "![blobs](growth-blobs.png)"
    echo
  } >>"$sections"
  gnuplot <<EOF
set terminal pngcairo size 900,500
set output 'bench/growth-blobs.png'
set title 'Server CPU per request vs blobs held'
set logscale xy
set xlabel 'blobs in the index'
set ylabel 'server CPU µs per request'
set key left top noenhanced
plot '$table' using 1:5 with linespoints title 'GET known', \
  '' using 1:8 with linespoints title 'HEAD missing', \
  '' using 1:11 with linespoints title '/list first page', \
  '' using 1:14 with linespoints title '/list deep page', \
  '' using 1:17 with linespoints title 'PUT /upload, new pubkey', \
  '' using 1:20 with linespoints title 'PUT /upload, owner of ~90% (quota on)'
EOF
}

# --- 2. media backlog ----------------------------------------------------------------------------
growth_backlog() {
  local workers single=() i job_s expected
  rm -rf "$work/data"
  bench_start_server Blossom__Media__QueueCapacity="$media_queue"
  # Media:Workers' default: half the cores, at least one.
  workers=$(($(nproc) / 2 > 1 ? $(nproc) / 2 : 1))
  # Distinct 640x480 JPEGs (the server dedupes originals): one ffmpeg run, a frame per file.
  mkdir -p "$work/jpegs" "$work/single"
  ffmpeg -hide_banner -nostdin -loglevel error -f lavfi -i testsrc2=size=640x480:rate=25 \
    -vf "noise=alls=20:allf=t" -frames:v "$((media_tasks + 6))" -q:v 3 "$work/jpegs/img%05d.jpg"
  for i in 1 2 3 4 5 6; do mv "$work/jpegs/img$(printf %05d $((media_tasks + i))).jpg" "$work/single/$i.jpg"; done
  # Single-job speed: the worker's own time for one job with nothing else queued (the first warms up).
  for i in 1 2 3 4 5 6; do
    job_s=$(bench_put_media "$work/single/$i.jpg" image/jpeg image/webp Image | cut -d' ' -f2)
    [ "$i" = 1 ] || single+=("$job_s")
  done
  job_s=$(bench_median "${single[@]}")
  expected=$(echo "$workers $job_s" | awk '{printf "%.1f", $1 / $2}')
  local rss="$work/backlog-rss.tsv" events="$work/backlog-events.tsv" sampler
  bench_growth_sample_rss "$rss" &
  sampler=$!
  bench_track "$sampler"
  eval "$(node bench/growth.mjs media "$base" "$work/jpegs" "$media_tasks" 16 "$events")"
  kill "$sampler"
  wait "$sampler" 2>/dev/null || true
  local rss_max rss_first rss_last t0
  t0=$(head -1 "$rss" | cut -d' ' -f1)
  rss_max=$(awk 'BEGIN{m=0} $2>m{m=$2} END{printf "%.0f", m/1024}' "$rss")
  rss_first=$(awk 'NR==1{printf "%.0f", $2/1024}' "$rss")
  rss_last=$(awk 'END{printf "%.0f", $2/1024}' "$rss")
  {
    echo "## 2. Media backlog: $media_tasks PUT /media of distinct 640×480 JPEGs"
    echo
    echo "\`Media:Workers\` $workers (the default), \`Media:QueueCapacity\` $media_queue (default 64: a backlog of 1000 needs the"
    echo "room), \`Prefer: respond-async\`, 16 clients, each task by its own new key (the 4-unfinished-tasks-per-pubkey limit"
    echo "stays on). Then every admitted task is followed with \`GET /media/<id>?wait=30\` until it ends. RSS sampled every 0.1 s."
    echo
    echo "| figure | value |"
    echo "| --- | --- |"
    echo "| admitted (202) / refused (503) / other | $queued / $refused / $other ${other_statuses} |"
    echo "| admission answer p50 / p99 / max (all) | $admit_p50_ms / $admit_p99_ms / $admit_max_ms ms |"
    echo "| admission answer p99: queued (202) / refused (503) | $queued_p99_ms / $refused_p99_ms ms |"
    echo "| all submissions answered in | ${admit_s} s |"
    echo "| tasks ended / of them complete | $ended / $complete |"
    echo "| drain time (first submission to last end) | $drain_s s |"
    echo "| throughput | $per_second tasks/s |"
    echo "| single job alone (worker's time, median of 5) | $job_s s → Workers × speed = $expected tasks/s |"
    echo "| throughput / (Workers × single-job speed) | $(bench_ratio "$per_second" "$expected")× |"
    echo "| server RSS: start / peak / end | $rss_first / $rss_max / $rss_last MiB |"
    echo
    echo "![backlog](growth-backlog.png)"
    echo
  } >>"$sections"
  gnuplot <<EOF
set terminal pngcairo size 900,500
set output 'bench/growth-backlog.png'
set title 'Media backlog: server RSS and tasks ended over time'
set xlabel 's'
set ylabel 'RSS (MiB)'
set y2label 'tasks ended'
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set key left top
plot '$rss' using (\$1-$t0):(\$2/1024) with lines title 'server RSS', \
  '$events' using (\$1-$t0):2 axes x1y2 with lines title 'tasks ended'
EOF
  bench_stop_server
}

# --- 3. connections ------------------------------------------------------------------------------
growth_connections() {
  local step held=0 holders=() pid port table="$work/connections.tsv" known task
  rm -rf "$work/data"
  bench_start_server
  port=${base##*:}
  head -c 4096 /dev/urandom >"$work/small.bin"
  known=$(bench_sha "$work/small.bin")
  bench_upload "$work/small.bin" >/dev/null
  : >"$table"
  for step in "${connection_steps[@]}"; do
    if [ "$step" -gt "$held" ]; then
      rm -f "$work/hold.ready"
      node bench/growth.mjs hold 127.0.0.1 "$port" $((step - held)) "$work/hold.ready" &
      holders+=($!)
      bench_track $!
      bench_growth_wait_file "$work/hold.ready"
      held=$step
    fi
    bench_growth_settle
    bench_growth_latency node bench/growth.mjs latency "$base/$known" GET "$requests" "$concurrency"
    echo "$step 0 $(bench_status_kib "$server" VmRSS) $p50_ms $p99_ms $cpu_us" | tee -a "$table" >&2
  done
  # A task that stays running with no job behind it: a long-poll on it waits the whole ?wait=N for a
  # change that never comes, and costs the server nothing but the held request.
  task=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sqlite3 "$work/data/blossom.db" "PRAGMA busy_timeout = 5000; INSERT INTO media_tasks (id, owner, original_sha256, original_type, status, progress, message, created, updated)
    VALUES ('$task', NULL, '$known', 'image/jpeg', 'running', 0, 'queued', unixepoch(), unixepoch());"  >/dev/null
  rm -f "$work/poll.ready"
  node bench/growth.mjs longpoll "$base/media/$task?wait=60" "$longpolls" "$work/poll.ready" &
  holders+=($!)
  bench_track $!
  bench_growth_wait_file "$work/poll.ready"
  bench_growth_settle
  bench_growth_latency node bench/growth.mjs latency "$base/$known" GET "$requests" "$concurrency"
  echo "$held $longpolls $(bench_status_kib "$server" VmRSS) $p50_ms $p99_ms $cpu_us" | tee -a "$table" >&2
  local open
  open=$(ls "/proc/$server/fd" | wc -l)
  for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null || true; done
  {
    echo "## 3. Connections: idle keep-alives, then long-polls beside them"
    echo
    echo "Each idle connection made one \`GET /healthz\` and stays open (Kestrel's defaults: no connection limit,"
    echo "130 s keep-alive timeout). The long-polls are \`GET /media/<id>?wait=60\` on a task that stays running,"
    echo "reissued as they return. The GET is a 4 KiB blob, $requests requests $concurrency at a time on separate connections."
    echo "Server descriptors open at the last step: $open."
    echo
    echo "| idle keep-alives | long-polls | server RSS (MiB) | GET p50 (ms) | GET p99 (ms) | server CPU µs/GET |"
    echo "| --- | --- | --- | --- | --- | --- |"
    awk '{printf "| %s | %s | %.0f | %s | %s | %s |\n", $1, $2, $3 / 1024, $4, $5, $6}' "$table"
    echo
    echo "![connections](growth-connections.png)"
    echo
  } >>"$sections"
  awk -v OFS='\t' '{print NR - 1, $1 + $2, $3 / 1024, $4, $5, ($2 > 0 ? $1 " + " $2 " long-polls" : $1)}' "$table" >"$work/connections.dat"
  gnuplot <<EOF
set terminal pngcairo size 900,500
set output 'bench/growth-connections.png'
set datafile separator '\t'
set title 'Server RSS and GET latency vs open connections'
set xlabel 'connections held (idle keep-alives + long-polls)'
set ylabel 'RSS (MiB)'
set y2label 'GET ms'
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
set key left top
set xtics rotate by -30
plot '$work/connections.dat' using 1:3:xtic(6) with linespoints title 'server RSS', \
  '' using 1:4 axes x1y2 with linespoints title 'GET p50', \
  '' using 1:5 axes x1y2 with linespoints title 'GET p99'
EOF
  bench_stop_server
}

for part in "${parts[@]}"; do "growth_$part"; done
{
  echo "# Growth"
  echo
  echo "One run of \`bench/growth.sh ${parts[*]}\` on $(nproc) cores, $(date -u +%Y-%m-%d); load average at the end $(bench_loadavg)."
  echo "Release build, durability on (fsync before each answer), rate limits off (one client address)."
  echo
  cat "$sections"
} >"$results"
echo "wrote $results" >&2
