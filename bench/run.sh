#!/usr/bin/env bash
# The whole bench suite in one run: the Release server beside a reference tool for every figure,
# each pair measured in this same run (the machine is shared and noisy, so only ratios compare).
#   1. PUT /upload of 512 MiB            vs openssl dgst -sha256 on the same file (throughput), and vs
#                                        dd conv=fsync of the file into the data dir's file system
#   2. GET of that blob                  vs nginx (sendfile on) serving the same file; direct, and
#                                        through nginx with Storage:AccelRedirectPrefix (X-Accel-Redirect)
#   3. 4 KiB GET, wrk -t2 -c64           vs nginx on the same file (requests/s)
#   4. 1 KiB authenticated uploads, 32 clients (bench/upload-load.mjs): uploads/s, p50/p99, server CPU
#      per upload; then the same on PostgreSQL
#   5. server peak RSS during the 512 MiB upload, during one upload of each size 1 MiB..1 GiB, and
#      during 1000 slow concurrent downloads of one blob (bench/slow-downloads.mjs)
#   6. bench/media.sh: PUT /media vs vipsthumbnail and bare ffmpeg
#   7. bench/growth.sh: 10k -> 1M blobs held, a backlog of 1000 media tasks, 5000 idle connections
#      and 1000 long-polls (its knobs apply; its tables are copied into results.md)
# Usage: bench/run.sh   -> bench/results.md, bench/upload-memory.png (and bench/results-media.md,
#                          bench/results-growth.md, bench/growth-*.png)
# Knobs: BENCH_REPS (alternating repetitions of 1 and 2, median; default 3), BENCH_WRK_SECONDS (10),
# BENCH_LOAD_SECONDS (10), BENCH_MEDIA_REPS (3), BENCH_SLOW_SECONDS (10; how long the 1000 slow
# downloads are held once all are open), BENCH_GROWTH=0 skips 7, BENCH_KEEP=1 keeps the temp dir,
# BENCH_FIGURES=FILE appends each figure to FILE as "KEY VALUE" (bench/rounds.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
reps=${BENCH_REPS:-3}
wrk_seconds=${BENCH_WRK_SECONDS:-10}
load_seconds=${BENCH_LOAD_SECONDS:-10}
media_reps=${BENCH_MEDIA_REPS:-3}
slow_seconds=${BENCH_SLOW_SECONDS:-10}
slow_count=1000
slow_rate=65536 # bytes/s per download: slow enough that all are in flight at once
sizes_mib=(1 4 16 64 256 1024)
big_mib=512
MiB=1048576
bench_workdir bench-run
run_start=$(date +%s)
load_before=$(bench_loadavg)
step() { echo "== $* (load $(bench_loadavg))" >&2; }

step "tools and build"
for pair in nginx:nginx wrk:wrk gnuplot:gnuplot-nox vipsthumbnail:libvips-tools openssl:openssl ffmpeg:ffmpeg; do
  bench_need "${pair%%:*}" "${pair#*:}"
done
bench_need_node_modules
bench_build

step "input files"
# One random GiB; every input is cut from it. The 512 MiB files get their own first bytes, so each
# repetition uploads a blob the server has not seen (a known blob would skip storing it).
head -c $((1024 * MiB)) /dev/urandom >"$work/src"
for i in $(seq "$reps"); do
  head -c $((big_mib * MiB)) "$work/src" >"$work/big$i"
  head -c 32 /dev/urandom | dd of="$work/big$i" conv=notrunc status=none
done
for s in "${sizes_mib[@]}"; do head -c $((s * MiB)) "$work/src" >"$work/size$s"; done
head -c 4096 /dev/urandom >"$work/small"
sync

bench_start_server Blossom__Upload__MaxSizeBytes=$((2 * 1024 * MiB))
bench_keygen
idle_kib=$(bench_status_kib "$server" VmRSS)
# Warm-up: JIT, the database, the first connection; not counted.
head -c 65536 /dev/urandom >"$work/warm"
bench_upload "$work/warm" >/dev/null
curl -sf -o /dev/null "$base/$(bench_sha "$work/warm")"

# --- 1 and 5a: 512 MiB upload vs openssl and dd conv=fsync, with the server's peak RSS ---------------
ours_upload() { # file hash; sets up_s, up_cpu (the server's CPU seconds), rss_peak_kib, hwm_peak_kib; fails unless 201
  local reply cpu0
  cpu0=$(bench_cpu_seconds "$server")
  bench_rss_peak_during bench_put_upload "$1" application/octet-stream "$2" >"$work/put.out"
  up_cpu=$(bench_elapsed "$cpu0" "$(bench_cpu_seconds "$server")")
  reply=$(cat "$work/put.out")
  [ "${reply% *}" = 201 ] || { echo "PUT /upload of $1 answered ${reply% *}: $(cat "$work/reply.json")" >&2; exit 1; }
  up_s=${reply#* }
}
# The machine's own write+fsync speed: the same file copied into the file system holding the
# server's data, flushed before dd exits (as the server flushes before it answers), the copy removed.
dd_fsync() { # file -> seconds
  local took
  took=$(bench_timed dd if="$1" of="$work/data/dd-copy" bs=1M conv=fsync status=none)
  rm -f "$work/data/dd-copy"
  sync
  echo "$took"
}
big_hashes=()
for i in $(seq "$reps"); do
  step "1. PUT /upload of $big_mib MiB vs openssl and dd conv=fsync, repetition $i of $reps"
  hash=$(bench_sha "$work/big$i"); big_hashes+=("$hash")
  # Alternate who goes first, so neither always gets the cooler machine.
  if [ $((i % 2)) = 1 ]; then
    ref_s=$(bench_timed openssl dgst -sha256 "$work/big$i"); dd_s=$(dd_fsync "$work/big$i"); ours_upload "$work/big$i" "$hash"
  else
    ours_upload "$work/big$i" "$hash"; sync; ref_s=$(bench_timed openssl dgst -sha256 "$work/big$i"); dd_s=$(dd_fsync "$work/big$i")
  fi
  up_ours+=("$(bench_mibps $((big_mib * MiB)) "$up_s")"); up_ref+=("$(bench_mibps $((big_mib * MiB)) "$ref_s")")
  up_dd+=("$(bench_mibps $((big_mib * MiB)) "$dd_s")")
  up_rss+=($((rss_peak_kib / 1024))); up_hwm+=($((hwm_peak_kib / 1024))); up_secs+=("$up_s"); up_cpus+=("$up_cpu")
  sync # the stored blob's writeback is not the next measurement's business
done

# --- 2: GET of that blob vs nginx with sendfile, direct and through nginx with X-Accel-Redirect ---------
# Kestrel has no kernel sendfile: every byte is read into user space and written to the socket. So
# the figure is measured twice: from the server itself, and through the same nginx with a second
# server on the same data that answers blob GETs with X-Accel-Redirect (Storage:AccelRedirectPrefix),
# nginx sending the file with sendfile, set up as docs/reverse-proxy.md's snippet says.
main_server=$server main_base=$base
bench_start_server Blossom__Storage__AccelRedirectPrefix=/_blobs
accel_server=$server accel_port=${base##*:}
server=$main_server base=$main_base
bench_nginx "    root $work/data/blobs;
    location /_blobs/ {
      internal;
      alias $work/data/blobs/;
      etag off;
      add_header ETag \$upstream_http_etag always;
      add_header Link \$upstream_http_link always;
      add_header X-Content-Type-Options \$upstream_http_x_content_type_options always;
      add_header Content-Security-Policy \$upstream_http_content_security_policy always;
      add_header Access-Control-Allow-Origin \$upstream_http_access_control_allow_origin always;
      add_header Access-Control-Expose-Headers \$upstream_http_access_control_expose_headers always;
    }
    location /accel/ {
      proxy_pass http://127.0.0.1:$accel_port/;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }"

nginx_url() { local p; p=$(bench_blob_path "$1"); echo "$nginx_base${p#"$work/data/blobs"}"; }
get() { # url expected-bytes -> seconds
  local reply
  reply=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$1")
  read -r code got secs <<<"$reply"
  [ "$code" = 200 ] && [ "$got" = "$2" ] || { echo "GET $1 answered $code with $got bytes" >&2; exit 1; }
  echo "$secs"
}
hash=${big_hashes[0]}
for i in $(seq "$reps"); do
  step "2. GET of $big_mib MiB vs nginx, repetition $i of $reps"
  cpu0=$(bench_cpu_seconds "$server"); accel_cpu0=$(bench_cpu_seconds "$accel_server")
  if [ $((i % 2)) = 1 ]; then
    ref_s=$(get "$(nginx_url "$hash")" $((big_mib * MiB))); ours_s=$(get "$base/$hash" $((big_mib * MiB)))
    accel_s=$(get "$nginx_base/accel/$hash" $((big_mib * MiB)))
  else
    accel_s=$(get "$nginx_base/accel/$hash" $((big_mib * MiB)))
    ours_s=$(get "$base/$hash" $((big_mib * MiB))); ref_s=$(get "$(nginx_url "$hash")" $((big_mib * MiB)))
  fi
  get_cpus+=("$(bench_elapsed "$cpu0" "$(bench_cpu_seconds "$server")")")
  get_accel_cpus+=("$(bench_elapsed "$accel_cpu0" "$(bench_cpu_seconds "$accel_server")")")
  get_ours+=("$(bench_mibps $((big_mib * MiB)) "$ours_s")"); get_ref+=("$(bench_mibps $((big_mib * MiB)) "$ref_s")")
  get_accel+=("$(bench_mibps $((big_mib * MiB)) "$accel_s")")
done
kill "$accel_server"; wait "$accel_server" 2>/dev/null || true

# --- 5b: one upload of each size, peak RSS and throughput --------------------------------------------
step "5. uploads of ${sizes_mib[*]} MiB, peak RSS of each"
sweep_idle_kib=$(bench_status_kib "$server" VmRSS)
: >"$work/sweep.dat"
for s in "${sizes_mib[@]}"; do
  hash=$(bench_sha "$work/size$s")
  ref_s=$(bench_timed openssl dgst -sha256 "$work/size$s")
  ours_upload "$work/size$s" "$hash"
  echo "$s $(bench_mibps $((s * MiB)) "$up_s") $(bench_mibps $((s * MiB)) "$ref_s") $((rss_peak_kib / 1024)) $((hwm_peak_kib / 1024)) $(printf %.3f "$up_s") $up_cpu" >>"$work/sweep.dat"
  sync
done

# --- 5c: peak RSS during 1000 slow concurrent downloads ---------------------------------------------
step "5c. $slow_count slow downloads of a 64 MiB blob at $((slow_rate / 1024)) KiB/s each, held $slow_seconds s"
head -c $((64 * MiB)) "$work/src" >"$work/slow"
head -c 32 /dev/urandom | dd of="$work/slow" conv=notrunc status=none # not the 64 MiB blob of 5b
slow_hash=$(bench_sha "$work/slow")
bench_upload "$work/slow" >/dev/null
slow_idle_kib=$(bench_status_kib "$server" VmRSS)
cpu0=$(bench_cpu_seconds "$server")
bench_rss_peak_during node bench/slow-downloads.mjs "$base/$slow_hash" "$slow_count" "$slow_seconds" "$slow_rate" >"$work/slow.out"
slow_cpu=$(bench_elapsed "$cpu0" "$(bench_cpu_seconds "$server")")
eval "$(cat "$work/slow.out")" # opened failed received_mib all_open_s
[ "$opened" = "$slow_count" ] || { echo "slow downloads: only $opened of $slow_count opened ($failed failed)" >&2; exit 1; }
slow_rss_mib=$((rss_peak_kib / 1024)); slow_hwm_mib=$((hwm_peak_kib / 1024))

# --- 3: 4 KiB GET with wrk vs nginx ---------------------------------------------------------------------
small_hash=$(bench_sha "$work/small")
bench_upload "$work/small" >/dev/null
# A blob this small is a row of the server's database (Storage:SmallBlobMaxBytes), not a file: nginx
# gets a file of the same bytes where it looks.
mkdir -p "$(dirname "$(bench_blob_path "$small_hash")")"
cp "$work/small" "$(bench_blob_path "$small_hash")"
wrk_rps() { # url seconds -> requests/s; fails on errors or non-2xx answers
  wrk -t2 -c64 -d"$2"s "$1" >"$work/wrk.out"
  if grep -q 'Non-2xx' "$work/wrk.out"; then cat "$work/wrk.out" >&2; echo "wrk: non-2xx answers from $1" >&2; exit 1; fi
  awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out"
}
step "3. 4 KiB GET with wrk, warm-up"
get "$base/$small_hash" 4096 >/dev/null; get "$(nginx_url "$small_hash")" 4096 >/dev/null
wrk_rps "$base/$small_hash" 2 >/dev/null; wrk_rps "$(nginx_url "$small_hash")" 2 >/dev/null
step "3. 4 KiB GET with wrk, ours for $wrk_seconds s"
cpu0=$(bench_cpu_seconds "$server")
wrk_ours=$(wrk_rps "$base/$small_hash" "$wrk_seconds")
wrk_cpu=$(bench_elapsed "$cpu0" "$(bench_cpu_seconds "$server")")
wrk_ours_out=$(grep -E 'Latency|Socket errors' "$work/wrk.out" | tr -s ' ' | sed 's/^ //' | paste -sd';')
step "3. 4 KiB GET with wrk, nginx for $wrk_seconds s"
wrk_ref=$(wrk_rps "$(nginx_url "$small_hash")" "$wrk_seconds"); wrk_ref_out=$(grep -E 'Latency|Socket errors' "$work/wrk.out" | tr -s ' ' | sed 's/^ //' | paste -sd';')
kill "$(cat "$work/nginx/nginx.pid")"

# --- 4: 1 KiB authenticated uploads, 32 clients -------------------------------------------------------
# Every acknowledged upload is durable (file, rename and index row synced); concurrent ones share the syncs.
step "4. 1 KiB uploads from 32 clients for $load_seconds s (signing the tokens first)"
eval "$(SERVER_PID=$server node bench/upload-load.mjs "$base" 32 "$load_seconds" 40000 1024)"
load_rss_kib=$(bench_status_kib "$server" VmHWM)
bench_stop_server
step "4. the same on PostgreSQL (local, synchronous_commit on)"
bench_postgres_start
bench_start_server "${bench_postgres[@]}" Blossom__Storage__Path="$work/data/blobs-pg"
eval "$(SERVER_PID=$server node bench/upload-load.mjs "$base" 32 "$load_seconds" 40000 1024 | sed 's/^/pg_/')"
bench_stop_server
bench_postgres_stop

# --- 6: media ---------------------------------------------------------------------------------------------
step "6. bench/media.sh ($media_reps repetitions)"
BENCH_SERVER_BUILD="$work/server" BENCH_KEEP= bench/media.sh "$media_reps" >&2
media_row() { grep -F "| $1" bench/results-media.md | head -1 | awk -F'|' '{gsub(/ /, ""); print $3, $5, $6, $7}'; }
read -r img_ours img_ref img_ratio img_job_ratio <<<"$(media_row "12 MP JPEG")"
read -r vid_ours vid_ref vid_ratio vid_job_ratio <<<"$(media_row "10 s 1080p60")"

# --- 7: growth ---------------------------------------------------------------------------------------------
if [ "${BENCH_GROWTH:-1}" = 1 ]; then
  step "7. bench/growth.sh"
  BENCH_SERVER_BUILD="$work/server" BENCH_KEEP= bench/growth.sh >&2
fi

load_after=$(bench_loadavg)
run_seconds=$(($(date +%s) - run_start))

# --- results.md and the plot ------------------------------------------------------------------------------
up_o=$(bench_median "${up_ours[@]}"); up_r=$(bench_median "${up_ref[@]}"); up_d=$(bench_median "${up_dd[@]}")
get_o=$(bench_median "${get_ours[@]}"); get_r=$(bench_median "${get_ref[@]}"); get_a=$(bench_median "${get_accel[@]}")
up_rss_max=$(printf '%s\n' "${up_rss[@]}" | sort -n | tail -1)
up_hwm_max=$(printf '%s\n' "${up_hwm[@]}" | sort -n | tail -1)
rss_1m=$(awk 'NR == 1 {print $4}' "$work/sweep.dat"); rss_1g=$(awk 'END {print $4}' "$work/sweep.dat")
# The machine's own limit for a durable upload: hashing or writing the file, whichever is slower.
up_slower=$(printf '%s\n' "$up_r" "$up_d" | sort -g | head -1)
wrk_cpu_us=$(echo "$wrk_cpu $wrk_ours $wrk_seconds" | awk '{printf "%.0f", $1 * 1e6 / ($2 * $3)}')
bench_figure upload_ratio "$(bench_ratio "$up_o" "$up_slower")"
bench_figure get_ratio "$(bench_ratio "$get_o" "$get_r")"
bench_figure get_accel_ratio "$(bench_ratio "$get_a" "$get_r")"
bench_figure wrk_ratio "$(bench_ratio "$wrk_ours" "$wrk_ref")"
bench_figure wrk_cpu_us "$wrk_cpu_us"
bench_figure uploads_sqlite "$per_second"
bench_figure uploads_postgres "$pg_per_second"
bench_figure rss_upload_1g "$rss_1g"
bench_figure rss_slow_downloads "$slow_rss_mib"
bench_figure media_image_ratio "$img_ratio"
bench_figure media_video_ratio "$vid_ratio"
met() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {print ((op == ">=" ? v >= t : v <= t) ? "yes" : "**no**")}'; }
int() { printf '%.0f' "$1"; }
{
  echo "# Bench suite: the server beside its reference tools"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $((run_seconds / 60)) min $((run_seconds % 60)) s;"
  echo "\`bench/run.sh\` (Release build, own process; clients on loopback). Load average (1, 5, 15 min)"
  echo "before ${load_before}, after ${load_after}: the suite alone keeps about one to two cores busy,"
  echo "more means other work shared the machine and the figures are noisier. Each ratio is ours over a"
  echo "reference measured in this run; 1 and 2 are the median of $reps alternating repetitions."
  echo
  echo "| figure | ours | reference | ratio | target | met? |"
  echo "| --- | --- | --- | --- | --- | --- |"
  r=$(bench_ratio "$up_o" "$up_slower")
  echo "| 1. PUT /upload of $big_mib MiB, durable (MiB/s) vs the slower of \`openssl dgst -sha256\` ($(int "$up_r")) and \`dd bs=1M conv=fsync\` ($(int "$up_d")) of the file | $(int "$up_o") | $(int "$up_slower") | $r | ≥ 0.8 | $(met "$r" ">=" 0.8) |"
  r=$(bench_ratio "$get_o" "$get_r")
  echo "| 2. GET of that blob from the server, curl to /dev/null (MiB/s) vs nginx, sendfile on | $(int "$get_o") | $(int "$get_r") | $r | ≥ 0.9 | $(met "$r" ">=" 0.9) |"
  r=$(bench_ratio "$get_a" "$get_r")
  echo "| 2. the same through nginx, X-Accel-Redirect (\`Storage:AccelRedirectPrefix\`) vs nginx | $(int "$get_a") | $(int "$get_r") | $r | ≥ 0.9 | $(met "$r" ">=" 0.9) |"
  r=$(bench_ratio "$wrk_ours" "$wrk_ref")
  echo "| 3. 4 KiB GET, wrk -t2 -c64 ${wrk_seconds} s after a warm-up (requests/s; server CPU $wrk_cpu_us µs each) vs nginx | $(int "$wrk_ours") | $(int "$wrk_ref") | $r | ≥ 0.8 | $(met "$r" ">=" 0.8) |"
  echo "| 4. 1 KiB authenticated uploads, 32 clients, durable (uploads/s; $uploads in $seconds s, $failed failed; server CPU $server_cpu_ms ms each) | $per_second | — | — | ≥ 2000 | $(met "$per_second" ">=" 2000) |"
  echo "| 4. the same, latency p50 / p99 (ms) | $p50_ms / $p99_ms | — | — | report | — |"
  echo "| 4. the same on PostgreSQL (uploads/s; $pg_uploads in $pg_seconds s, $pg_failed failed; server CPU $pg_server_cpu_ms ms each) | $pg_per_second | — | — | ≥ 1000 | $(met "$pg_per_second" ">=" 1000) |"
  echo "| 4. the same on PostgreSQL, latency p50 / p99 (ms) | $pg_p50_ms / $pg_p99_ms | — | — | report | — |"
  echo "| 5. server peak RSS during the $big_mib MiB uploads (MiB, sampled every 20 ms) | $up_rss_max | — | — | ≤ 150 | $(met "$up_rss_max" "<=" 150) |"
  echo "| 5. server peak RSS uploading 1 GiB (MiB; 1 MiB: $rss_1m) | $rss_1g | — | — | ≤ 150 | $(met "$rss_1g" "<=" 150) |"
  echo "| 5c. server peak RSS during $slow_count slow concurrent downloads of one 64 MiB blob (MiB; VmHWM $slow_hwm_mib) | $slow_rss_mib | — | — | ≤ 300 | $(met "$slow_rss_mib" "<=" 300) |"
  echo "| 6. 12 MP JPEG to WebP: PUT /media vs vipsthumbnail (s) | $img_ours | $img_ref | $img_ratio | ≤ 1.0 | $(met "$img_ratio" "<=" 1.0) |"
  echo "| 6. 10 s 1080p60 clip: PUT /media vs bare ffmpeg (s) | $vid_ours | $vid_ref | $vid_ratio | ≤ 1.05 | $(met "$vid_ratio" "<=" 1.05) |"
  echo
  echo "## Upload size against throughput and server memory"
  echo
  echo "One upload of each size into the same server after 1 and 2; its RSS when idle was $((idle_kib / 1024)) MiB at start,"
  echo "$((sweep_idle_kib / 1024)) MiB before these. Peak RSS: the largest VmRSS sample (every ~20 ms) while curl ran;"
  echo "VmHWM: the kernel's high-water mark, reset just before the upload (a check on the sampling)."
  echo "Plot: \`bench/upload-memory.png\`."
  echo
  echo "| size (MiB) | PUT /upload (MiB/s) | openssl dgst -sha256 (MiB/s) | peak RSS (MiB) | VmHWM (MiB) | upload (s) | server CPU (s) |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  awk '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$work/sweep.dat"
  echo
  echo "openssl's figure counts its process start, which dominates below ~16 MiB; curl's counts a new connection."
  echo
  echo "## Runs"
  echo
  export BENCH_RUNS_FORMAT=%s
  echo "- 1. upload MiB/s, ours: $(bench_runs "${up_ours[@]}"); openssl: $(bench_runs "${up_ref[@]}"); dd conv=fsync: $(bench_runs "${up_dd[@]}"); peak RSS (MiB) sampled $(bench_runs "${up_rss[@]}"), VmHWM $(bench_runs "${up_hwm[@]}");"
  echo "  each upload took (s) $(BENCH_RUNS_FORMAT=%.2f bench_runs "${up_secs[@]}") and the server used (CPU s) $(bench_runs "${up_cpus[@]}")."
  echo "- 2. GET MiB/s, ours: $(bench_runs "${get_ours[@]}"); through nginx with X-Accel-Redirect: $(bench_runs "${get_accel[@]}"); nginx: $(bench_runs "${get_ref[@]}");"
  echo "  server CPU (s) per repetition $(bench_runs "${get_cpus[@]}"), with X-Accel-Redirect $(bench_runs "${get_accel_cpus[@]}")."
  echo "- 3. wrk, ours: ${wrk_ours_out}; nginx: ${wrk_ref_out}; server CPU $wrk_cpu s in ${wrk_seconds} s,"
  echo "  $wrk_cpu_us µs per request."
  echo "- 4. upload load: statuses $statuses, max latency $max_ms ms; the client (node, same machine) shares the 2 cores;"
  echo "  server CPU $server_cpu_ms ms per upload over the timed part; server VmHWM after it $((load_rss_kib / 1024)) MiB."
  echo "  On PostgreSQL: statuses $pg_statuses, max latency $pg_max_ms ms."
  echo "- 5c. $opened downloads of $slow_hash (64 MiB) at $((slow_rate / 1024)) KiB/s each, all open after $all_open_s s, held $slow_seconds s,"
  echo "  $received_mib MiB sent in all; RSS $((slow_idle_kib / 1024)) MiB before them; server CPU $slow_cpu s."
  echo "- 6. ratios of the media job alone (without the upload): image $img_job_ratio, video $vid_job_ratio; details in \`bench/results-media.md\`."
  echo
  # The growth tables, one heading level down: bench/results-growth.md as the last run of it wrote it.
  echo "## Growth (\`bench/growth.sh\`, plots \`bench/growth-blobs.png\`, \`bench/growth-backlog.png\`, \`bench/growth-connections.png\`)"
  sed -e '1{/^# /d}' -e 's/^## /### /' bench/results-growth.md
} >bench/results.md

gnuplot <<EOF
set terminal pngcairo size 900,760 font ",11"
set output "bench/upload-memory.png"
set multiplot layout 2,1 title "PUT /upload of one blob per size ($(date -u +%Y-%m-%d), $(nproc) cores)"
set logscale x 2
set xrange [0.8:1300]
set xtics ("1 MiB" 1, "4 MiB" 4, "16 MiB" 16, "64 MiB" 64, "256 MiB" 256, "1 GiB" 1024)
set grid
set key top left
set xlabel "blob size (log scale)"
set ylabel "throughput (MiB/s)"
set yrange [0:*]
plot "$work/sweep.dat" using 1:2 with linespoints lw 2 pt 7 title "PUT /upload (curl, loopback)", \
     "$work/sweep.dat" using 1:3 with linespoints lw 2 pt 5 dt 2 title "openssl dgst -sha256 (reference)"
set ylabel "server peak RSS (MiB)"
set yrange [0:$(( (rss_1m + 64 > 150 ? rss_1m + 64 : 150) * 6 / 5 ))]
set key bottom right
plot "$work/sweep.dat" using 1:4 with linespoints lw 2 pt 7 title "peak VmRSS during the upload (20 ms samples)", \
     "$work/sweep.dat" using 1:5 with points pt 6 ps 1.5 title "VmHWM (reset before each upload)", \
     $((rss_1m + 64)) with lines dt 3 lc rgb "red" title "target: peak at 1 MiB + 64 MiB", \
     150 with lines dt 2 lc rgb "gray" title "150 MiB"
unset multiplot
EOF

cat bench/results.md
echo "wrote bench/results.md and bench/upload-memory.png in $run_seconds s" >&2
