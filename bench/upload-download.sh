#!/usr/bin/env bash
# Upload and download one large blob through the Release server, measuring throughput and the
# server's peak memory (VmHWM), beside `openssl dgst -sha256` on the same file as a reference.
# Usage: bench/upload-download.sh [size in MiB, default 512]   -> bench/results-upload.md
# (bench/run.sh runs this and the rest of the suite, with more references, into bench/results.md.)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
size_mib=${1:-512}
bench_workdir bench

bench_need_node_modules
bench_build

head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/blob"
sync
bench_start_server Blossom__Upload__MaxSizeBytes=$((4 * 1024 * 1024 * 1024))
idle_kib=$(bench_status_kib "$server" VmRSS)

start=$(date +%s.%N); hash=$(openssl dgst -sha256 -r "$work/blob" | cut -d' ' -f1); end=$(date +%s.%N)
openssl_s=$(bench_elapsed "$start" "$end")

bench_keygen
upload=$(bench_put_upload "$work/blob")
peak_kib=$(bench_status_kib "$server" VmHWM)
download=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "$base/$hash")
peak_after_get_kib=$(bench_status_kib "$server" VmHWM)

mibps() { bench_mibps "$((size_mib * 1048576))" "$1"; }
up_s=${upload#* }; down_s=${download#* }
{
  echo "# Upload and download of a ${size_mib} MiB blob"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores; server: Release build, own process; client: curl on loopback."
  echo
  echo "| figure | value |"
  echo "| --- | --- |"
  echo "| PUT /upload (status ${upload% *}) | ${up_s} s, $(mibps "$up_s") MiB/s |"
  echo "| GET /<sha256> (status ${download% *}) | ${down_s} s, $(mibps "$down_s") MiB/s |"
  echo "| reference: openssl dgst -sha256 on the file | ${openssl_s} s, $(mibps "$openssl_s") MiB/s |"
  echo "| server RSS when idle | $((idle_kib / 1024)) MiB |"
  echo "| server peak RSS (VmHWM) after upload | $((peak_kib / 1024)) MiB |"
  echo "| server peak RSS (VmHWM) after download | $((peak_after_get_kib / 1024)) MiB |"
} | tee bench/results-upload.md
