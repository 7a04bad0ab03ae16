#!/usr/bin/env bash
# Upload and download one large blob through the Release server, measuring throughput and the
# server's peak memory (VmHWM), beside `openssl dgst -sha256` on the same file as a reference.
# Usage: bench/upload-download.sh [size in MiB, default 512]   -> bench/results-upload.md
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-512}
work=$(mktemp -d /tmp/blossom-bench.XXXXXX)
port=3917
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

[ -d tools/node_modules ] || npm ci --prefix tools --no-audit --no-fund >/dev/null
dotnet build -c Release Blossom.Server >/dev/null

head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/blob"
sync
Blossom__Storage__Path="$work/data/blobs" \
Blossom__Database__ConnectionString="Data Source=$work/data/blossom.db" \
Blossom__Upload__MaxSizeBytes=$((4 * 1024 * 1024 * 1024)) \
  dotnet Blossom.Server/bin/Release/net10.0/Blossom.Server.dll --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
idle_kib=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")

start=$(date +%s.%N); hash=$(openssl dgst -sha256 -r "$work/blob" | cut -d' ' -f1); end=$(date +%s.%N)
openssl_s=$(echo "$end - $start" | bc -l)

eval "$(node tools/nostr-auth.mjs keygen)"; export NOSTR_SECRET
auth=$(node tools/nostr-auth.mjs upload "$hash")
upload=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' -X PUT "http://127.0.0.1:$port/upload" \
  -T "$work/blob" -H "Content-Type: application/octet-stream" -H "X-SHA-256: $hash" -H "Authorization: $auth")
peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
download=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$port/$hash")
peak_after_get_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

mibps() { echo "scale=0; $size_mib / $1" | bc -l; }
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
