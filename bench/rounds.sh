#!/usr/bin/env bash
# bench/run.sh (without growth) and bench/distributed.sh, N times each, alternating; then
# bench/results.md is the range of every target figure over the N runs, followed by the last run's
# full report. The machine is shared and noisy: one run's figure is a sample, the range is the result.
# Usage: bench/rounds.sh [N, default 3]   -> bench/results.md (and what the last runs write)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
figures=$(mktemp -d /tmp/blossom-rounds.XXXXXX)
trap 'rm -rf "$figures"' EXIT
start=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$runs"); do
  echo "=== round $i of $runs: bench/run.sh" >&2
  BENCH_GROWTH=0 BENCH_FIGURES="$figures/$i" bench/run.sh >/dev/null
  cp bench/results.md "$figures/last-run.md"
  echo "=== round $i of $runs: bench/distributed.sh" >&2
  BENCH_FIGURES="$figures/$i" bench/distributed.sh >/dev/null
done

# KEY target-op target description
targets='upload_ratio >= 0.8 1. PUT /upload of 512 MiB, durable, over the slower of openssl SHA-256 and dd conv=fsync of the file
s3_upload_ratio >= 0.8 1. the same on S3 (s3rver), over curl PUT of the file to the bucket
get_ratio >= 0.9 2. GET of 512 MiB over nginx with sendfile
get_accel_ratio >= 0.9 2. the same through nginx with X-Accel-Redirect, over nginx
s3_get_ratio >= 0.8 2. GET of 512 MiB on S3 over curl GET from the bucket
wrk_ratio >= 0.8 3. 4 KiB GET, wrk -c64 after a warm-up, over nginx
wrk_cpu_us report - 3. the same, server CPU µs per request
uploads_sqlite >= 2000 4. 1 KiB signed uploads/s, 32 clients, durable, SQLite
uploads_postgres >= 1000 4. the same on PostgreSQL
rss_upload_1g <= 150 5. server peak RSS uploading 1 GiB (MiB)
rss_slow_downloads <= 300 5. server peak RSS during 1000 slow downloads (MiB)
media_image_ratio <= 1.0 6. 12 MP JPEG via PUT /media over vipsthumbnail
media_video_ratio <= 1.05 6. 1080p clip via PUT /media over bare ffmpeg'
{
  echo "# Bench: round three targets over $runs runs"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(( ($(date +%s) - start) / 60 )) min;"
  echo "\`bench/rounds.sh $runs\`: \`bench/run.sh\` (without growth) and \`bench/distributed.sh\`, $runs times each, alternating;"
  echo "knobs: $(env | grep '^BENCH_' | sort | paste -sd' ' | sed 's/^$/the defaults/')."
  echo "Load average (1, 5, 15 min) before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg). Each figure is one"
  echo "run's ratio (ours over the reference measured in that run) or count; the range is over the runs."
  echo "Durability, the outbound guard, auth and CORS are on in every run; rate limits are off (one client address)."
  echo
  echo "| figure | target | runs | range | met in |"
  echo "| --- | --- | --- | --- | --- |"
  while read -r key op target description; do
    values=$(for i in $(seq "$runs"); do awk -v k="$key" '$1 == k {print $2}' "$figures/$i"; done)
    list=$(echo "$values" | paste -sd, | sed 's/,/, /g')
    range=$(echo "$values" | sort -g | sed -n '1p;$p' | paste -sd' ' | awk '{print ($1 == $2 ? $1 : $1 " – " $2)}')
    if [ "$op" = report ]; then met="—"; else
      met="$(echo "$values" | awk -v op="$op" -v t="$target" 'NF && (op == ">=" ? $1 >= t : $1 <= t) {n++} END {print n + 0}') of $runs"
    fi
    echo "| $description | $([ "$op" = report ] && echo report || echo "$op $target" | sed 's/>=/≥/; s/<=/≤/') | $list | $range | $met |"
  done <<<"$targets"
  echo
  echo "## The last run of \`bench/run.sh\`"
  echo
  sed -e '1,2d' -e 's/^## /### /' "$figures/last-run.md"
} >bench/results.md
cat bench/results.md
