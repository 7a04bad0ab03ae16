#!/usr/bin/env bash
# A 1 GiB upload through a proxy that refuses bodies over 100 MB, in one run:
#   1. PUT /upload of the file straight to the server (no proxy): the single-request reference
#   2. the same PUT through nginx with client_max_body_size 100m: refused by the proxy (413)
#   3. PATCH /<sha256> in 8 MiB chunks through that nginx (tools/chunked-upload.mjs), one chunk at a time
#   4. the same with 4 chunks in flight
#   5. one chunk at a time straight to the server, to tell the proxy's cost from the protocol's
#   6. an interrupted chunked upload (the client killed half-way) resumed from what HEAD says the server holds
# Every run uploads a blob the server has not seen (its own first bytes), and the server's peak RSS is sampled.
# Usage: bench/chunked.sh   -> bench/results-chunked.md
# Knobs: BENCH_REPS (repetitions of 1, 3, 4 and 5, median; default 3), BENCH_CHUNK_MIB (8).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
reps=${BENCH_REPS:-3}
chunk_mib=${BENCH_CHUNK_MIB:-8}
MiB=1048576
size_mib=1024
bench_workdir bench-chunked
run_start=$(date +%s)
load_before=$(bench_loadavg)
step() { echo "== $* (load $(bench_loadavg))" >&2; }

step "tools and build"
bench_need nginx nginx
bench_need node nodejs
bench_need_node_modules
bench_build

step "input file"
head -c $((size_mib * MiB)) /dev/urandom >"$work/src"
# A fresh copy of the file with its own first bytes, so no run finds its blob already stored.
fresh() { cp "$work/src" "$work/$1"; head -c 32 /dev/urandom | dd of="$work/$1" conv=notrunc status=none; echo "$work/$1"; }

bench_start_server Blossom__Upload__MaxSizeBytes=$((2 * 1024 * MiB)) Blossom__RateLimit__ChunksPerIpPerMinute=0
bench_keygen

# The wall a hosted proxy puts in front of uploads (Cloudflare's free plans: 100 MB); bodies go
# through as they arrive, as a streaming upload server's proxy is set up.
bench_nginx "    client_max_body_size 100m;
    location / {
      proxy_pass $base;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host \$host;
      proxy_request_buffering off;
    }"
proxy=$nginx_base

chunked() { # base file lanes -> sets ch_s, ch_status, ch_retries, rss_peak_kib
  bench_rss_peak_during node tools/chunked-upload.mjs "$1" "$2" "$chunk_mib" "$3" >"$work/chunked.json"
  ch_status=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).status)' "$work/chunked.json")
  ch_s=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).seconds.toFixed(3))' "$work/chunked.json")
  ch_retries=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).retries)' "$work/chunked.json")
  [ "$ch_status" = 201 ] || { echo "chunked upload of $2 via $1 ended with $ch_status: $(cat "$work/chunked.json")" >&2; exit 1; }
}

for i in $(seq "$reps"); do
  step "1. single PUT /upload of $size_mib MiB, repetition $i of $reps"
  file=$(fresh single); hash=$(bench_sha "$file")
  bench_rss_peak_during bench_put_upload "$file" application/octet-stream "$hash" >"$work/put.out"
  reply=$(cat "$work/put.out")
  [ "${reply% *}" = 201 ] || { echo "PUT /upload answered ${reply% *}: $(cat "$work/reply.json")" >&2; exit 1; }
  single_s+=("${reply#* }"); single_rss+=($((rss_peak_kib / 1024)))
  rm -f "$file"

  step "3. PATCH in $chunk_mib MiB chunks through nginx, one at a time, repetition $i of $reps"
  file=$(fresh seq); chunked "$proxy" "$file" 1
  seq_s+=("$ch_s"); seq_rss+=($((rss_peak_kib / 1024))); seq_retries+=("$ch_retries"); rm -f "$file"

  step "4. PATCH in $chunk_mib MiB chunks through nginx, 4 in flight, repetition $i of $reps"
  file=$(fresh par); chunked "$proxy" "$file" 4
  par_s+=("$ch_s"); par_rss+=($((rss_peak_kib / 1024))); par_retries+=("$ch_retries"); rm -f "$file"

  step "5. PATCH in $chunk_mib MiB chunks straight to the server, repetition $i of $reps"
  file=$(fresh direct); chunked "$base" "$file" 1
  direct_s+=("$ch_s"); direct_rss+=($((rss_peak_kib / 1024))); rm -f "$file"
done

step "2. single PUT through the proxy"
file=$(fresh refused); hash=$(bench_sha "$file")
base_saved=$base; base=$proxy
refused=$(bench_put_upload "$file" application/octet-stream "$hash")
base=$base_saved
refused_status=${refused% *}
[ "$refused_status" = 413 ] || { echo "the proxy let a $size_mib MiB PUT through ($refused_status): the comparison needs its limit" >&2; exit 1; }
rm -f "$file"

step "6. an interrupted chunked upload, resumed"
file=$(fresh resumed)
node tools/chunked-upload.mjs "$proxy" "$file" "$chunk_mib" 1 >/dev/null &
client=$!
# Killed once the server holds about half of it (its partial-upload folder grows as chunks land).
hash=$(bench_sha "$file")
half=$((size_mib * MiB / 2))
for _ in $(seq 600); do
  held=$(du -sb "$work/data/blobs/.tmp/partial/$hash" 2>/dev/null | cut -f1 || echo 0)
  [ "${held:-0}" -ge "$half" ] && break
  sleep 0.05
done
kill -9 "$client" 2>/dev/null || true
wait "$client" 2>/dev/null || true
node tools/chunked-upload.mjs "$proxy" "$file" "$chunk_mib" 1 >"$work/resume.json"
resume_status=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).status)' "$work/resume.json")
resumed_mib=$(node -e 'console.log(Math.round(JSON.parse(require("fs").readFileSync(process.argv[1])).resumedBytes / 1048576))' "$work/resume.json")
resume_chunks=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).chunks)' "$work/resume.json")
[ "$resume_status" = 201 ] || { echo "the resumed upload ended with $resume_status: $(cat "$work/resume.json")" >&2; exit 1; }
stored=$(curl -sS "$base/$hash" | sha256sum | cut -d' ' -f1)
[ "$stored" = "$hash" ] || { echo "the resumed blob does not read back as $hash" >&2; exit 1; }

mibps() { bench_mibps $((size_mib * MiB)) "$1"; }
single_m=$(bench_median "${single_s[@]}"); seq_m=$(bench_median "${seq_s[@]}"); par_m=$(bench_median "${par_s[@]}"); direct_m=$(bench_median "${direct_s[@]}")
{
  echo "# Chunked uploads (BUD-14) through a proxy with a 100 MB body limit"
  echo
  echo "Run of \`bench/chunked.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; load average before: $load_before,"
  echo "after: $(bench_loadavg); $(($(date +%s) - run_start)) s in all. One $size_mib MiB file of random bytes (each run"
  echo "with its own first bytes, so every upload is new), SQLite + files, every write durable (fsync) before its"
  echo "answer. nginx in front: \`client_max_body_size 100m\`, \`proxy_request_buffering off\`. Chunks of $chunk_mib MiB"
  echo "sent by \`tools/chunked-upload.mjs\` (Node fetch, keep-alive), one \`upload\` token for all of them."
  echo "Medians of $reps runs; every run listed."
  echo
  echo "| upload of $size_mib MiB | seconds | MiB/s | vs single PUT | server peak RSS (MiB) | runs (s) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  echo "| single \`PUT /upload\`, no proxy | $single_m | $(mibps "$single_m") | 1.00× | $(bench_median "${single_rss[@]}" | cut -d. -f1) | $(bench_runs "${single_s[@]}") |"
  echo "| single \`PUT /upload\` through the proxy | refused: $refused_status | – | – | – | the proxy's limit |"
  echo "| \`PATCH\` chunks through the proxy, 1 in flight | $seq_m | $(mibps "$seq_m") | $(bench_ratio "$single_m" "$seq_m")× | $(bench_median "${seq_rss[@]}" | cut -d. -f1) | $(bench_runs "${seq_s[@]}") |"
  echo "| \`PATCH\` chunks through the proxy, 4 in flight | $par_m | $(mibps "$par_m") | $(bench_ratio "$single_m" "$par_m")× | $(bench_median "${par_rss[@]}" | cut -d. -f1) | $(bench_runs "${par_s[@]}") |"
  echo "| \`PATCH\` chunks, no proxy, 1 in flight | $direct_m | $(mibps "$direct_m") | $(bench_ratio "$single_m" "$direct_m")× | $(bench_median "${direct_rss[@]}" | cut -d. -f1) | $(bench_runs "${direct_s[@]}") |"
  echo
  echo "Retried chunks: $(bench_runs "${seq_retries[@]}") (1 in flight), $(bench_runs "${par_retries[@]}") (4 in flight)."
  echo
  echo "Resume: a chunked upload through the proxy was killed (\`kill -9\`) once the server held half of it; a new"
  echo "client run asked \`HEAD /<sha256>\` what the server held (\`Upload-Ranges\`), skipped those $resumed_mib MiB and sent the"
  echo "remaining $resume_chunks chunks: answered $resume_status, and the blob reads back with its hash."
} >bench/results-chunked.md
cat bench/results-chunked.md
