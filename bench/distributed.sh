#!/usr/bin/env bash
# The server on S3 + PostgreSQL, beside the same S3 server reached straight with curl, in one run:
#   1. PUT /upload of 512 MiB with Storage:Kind=S3    vs curl PUT of the same file straight to the bucket
#   2. GET of that blob through the server            vs curl GET of the object straight from the bucket
#   3. 1 KiB authenticated uploads/s, 32 clients: SQLite + files, PostgreSQL + files, PostgreSQL + S3 on one node, and on
#      two nodes sharing that database and bucket (the clients alternate between the nodes)
# The S3 server is s3rver (Blossom.Tests/Services, as in the tests), PostgreSQL a throwaway cluster
# from Debian's postgresql with its default durability (fsync, synchronous_commit on).
# Usage: bench/distributed.sh   -> bench/results-distributed.md
# Knobs: BENCH_REPS (alternating repetitions of 1 and 2, median; default 3), BENCH_LOAD_SECONDS (10),
# BENCH_FIGURES=FILE appends figures 1 and 2 to FILE as "KEY VALUE" (bench/rounds.sh),
#   BENCH_BIG_ONLY=1 (1 and 2 only: their figures on stdout, results-distributed.md left as it is).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
reps=${BENCH_REPS:-3}
load_seconds=${BENCH_LOAD_SECONDS:-10}
big_mib=512
MiB=1048576
bucket=blossom
bench_workdir bench-distributed
run_start=$(date +%s)
load_before=$(bench_loadavg)
step() { echo "== $* (load $(bench_loadavg))" >&2; }

step "tools and build"
bench_need curl curl
bench_need node nodejs
bench_need_node_modules
[ -d Blossom.Tests/Services/node_modules ] || npm ci --prefix Blossom.Tests/Services --no-audit --no-fund >/dev/null
bench_build

step "S3 server and PostgreSQL"
s3_port=$(bench_free_port)
s3="http://127.0.0.1:$s3_port"
mkdir -p "$work/s3"
node Blossom.Tests/Services/node_modules/s3rver/bin/s3rver.js -d "$work/s3" -a 127.0.0.1 -p "$s3_port" --no-vhost-buckets -s >"$work/s3.log" 2>&1 &
bench_track $!
# s3rver wants x-amz-content-sha256 on every signed request; the payload itself is not signed.
s3_auth=(--aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
s3_curl() { curl -sS "${s3_auth[@]}" "$@"; }
for _ in $(seq 100); do s3_curl -o /dev/null "$s3/" 2>/dev/null && break; sleep 0.1; done
s3_curl -f -o /dev/null -X PUT "$s3/$bucket"

bench_postgres_start
on_s3=(Blossom__Storage__Kind=S3 Blossom__Storage__S3__Endpoint="$s3" Blossom__Storage__S3__Bucket="$bucket"
  Blossom__Storage__S3__Region=us-east-1 Blossom__Storage__S3__AccessKey=S3RVER Blossom__Storage__S3__SecretKey=S3RVER
  Blossom__Storage__S3__ForcePathStyle=true)
on_postgres=("${bench_postgres[@]}")
cluster=("${on_s3[@]}" "${on_postgres[@]}" Blossom__Upload__MaxSizeBytes=$((2 * 1024 * MiB)))

step "input files"
for i in $(seq "$reps"); do head -c $((big_mib * MiB)) /dev/urandom >"$work/big$i"; done
sync

bench_start_server "${cluster[@]}"
bench_keygen
head -c 65536 /dev/urandom >"$work/warm"
bench_upload "$work/warm" >/dev/null
curl -sf -o /dev/null "$base/$(bench_sha "$work/warm")"

# --- 1: 512 MiB upload through the server vs curl straight to the bucket ------------------------------------
s3_put() { # file key -> seconds; fails unless 200
  local reply
  reply=$(s3_curl -o /dev/null -w '%{http_code} %{time_total}' -X PUT -T "$1" "$s3/$bucket/$2")
  [ "${reply% *}" = 200 ] || { echo "curl PUT to the bucket answered ${reply% *}" >&2; exit 1; }
  echo "${reply#* }"
}
big_hashes=()
for i in $(seq "$reps"); do
  step "1. PUT /upload of $big_mib MiB on S3 vs curl PUT to the bucket, repetition $i of $reps"
  hash=$(bench_sha "$work/big$i"); big_hashes+=("$hash")
  if [ $((i % 2)) = 1 ]; then
    ref_s=$(s3_put "$work/big$i" "reference-$i"); ours_s=$(bench_upload "$work/big$i" application/octet-stream "$hash")
  else
    ours_s=$(bench_upload "$work/big$i" application/octet-stream "$hash"); ref_s=$(s3_put "$work/big$i" "reference-$i")
  fi
  up_ours+=("$(bench_mibps $((big_mib * MiB)) "$ours_s")"); up_ref+=("$(bench_mibps $((big_mib * MiB)) "$ref_s")")
  sync
done

# --- 2: GET through the server vs curl straight from the bucket ----------------------------------------------
get() { # url expected-bytes [curl options] -> seconds
  local url=$1 size=$2 reply code got secs
  shift 2
  reply=$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "$@" "$url")
  read -r code got secs <<<"$reply"
  [ "$code" = 200 ] && [ "$got" = "$size" ] || { echo "GET $url answered $code with $got bytes" >&2; exit 1; }
  echo "$secs"
}
for i in $(seq "$reps"); do
  step "2. GET of $big_mib MiB through the server vs from the bucket, repetition $i of $reps"
  hash=${big_hashes[$((i - 1))]}
  if [ $((i % 2)) = 1 ]; then
    ref_s=$(get "$s3/$bucket/reference-$i" $((big_mib * MiB)) "${s3_auth[@]}")
    ours_s=$(get "$base/$hash" $((big_mib * MiB)))
  else
    ours_s=$(get "$base/$hash" $((big_mib * MiB)))
    ref_s=$(get "$s3/$bucket/reference-$i" $((big_mib * MiB)) "${s3_auth[@]}")
  fi
  get_ours+=("$(bench_mibps $((big_mib * MiB)) "$ours_s")"); get_ref+=("$(bench_mibps $((big_mib * MiB)) "$ref_s")")
done

if [ "${BENCH_BIG_ONLY:-}" = 1 ]; then
  bench_stop_server
  bench_postgres_stop
  echo "load average before ${load_before}, after $(bench_loadavg)"
  echo "1. upload MiB/s, ours: ${up_ours[*]}; curl to the bucket: ${up_ref[*]}"
  echo "2. GET MiB/s, ours: ${get_ours[*]}; curl from the bucket: ${get_ref[*]}"
  exit 0
fi

# --- 3: 1 KiB uploads, 32 clients: PostgreSQL + S3 on one node, then two nodes, then SQLite + files ----------
load() { # label base-urls
  step "3. 1 KiB uploads from 32 clients for $load_seconds s: $1"
  eval "$(node bench/upload-load.mjs "$2" 32 "$load_seconds" 20000 1024)"
  echo "| $1 | $per_second | $p50_ms / $p99_ms | $failed | $statuses |" >>"$work/load.md"
}
: >"$work/load.md"
load "PostgreSQL + S3, one node" "$base"
node_a=$base
server_a=$server
mv "$work/server.log" "$work/server-a.log"
bench_start_server "${cluster[@]}" Blossom__Storage__Path="$work/data/blobs-b" Blossom__Media__WorkPath="$work/data/media-b"
load "PostgreSQL + S3, two nodes" "$node_a,$base"
bench_stop_server
server=$server_a
bench_stop_server
bench_start_server "${on_postgres[@]}" Blossom__Storage__Path="$work/data/blobs-pg"
load "PostgreSQL + files, one node" "$base"
bench_stop_server
bench_start_server
load "SQLite + files, one node" "$base"
bench_stop_server
bench_postgres_stop

run_seconds=$(($(date +%s) - run_start))
up_o=$(bench_median "${up_ours[@]}"); up_r=$(bench_median "${up_ref[@]}")
get_o=$(bench_median "${get_ours[@]}"); get_r=$(bench_median "${get_ref[@]}")
bench_figure s3_upload_ratio "$(bench_ratio "$up_o" "$up_r")"
bench_figure s3_get_ratio "$(bench_ratio "$get_o" "$get_r")"
met() { awk -v v="$1" -v t="$2" 'BEGIN {print (v >= t ? "yes" : "**no**")}'; }
int() { printf '%.0f' "$1"; }
export BENCH_RUNS_FORMAT=%s
{
  echo "# Bench: S3 + PostgreSQL, and more than one node"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $((run_seconds / 60)) min $((run_seconds % 60)) s;"
  echo "\`bench/distributed.sh\` (Release build, own processes; s3rver $(node -p "require('./Blossom.Tests/Services/node_modules/s3rver/package.json').version")"
  echo "and PostgreSQL $("$bench_postgres_bin/postgres" --version | awk '{print $3}') on loopback, on the same cores). Load average before ${load_before}, after $(bench_loadavg)."
  echo "Ratios are ours over curl talking to the same S3 server in this run; medians of $reps alternating repetitions."
  echo
  echo "| figure | ours | reference | ratio | target | met? |"
  echo "| --- | --- | --- | --- | --- | --- |"
  r=$(bench_ratio "$up_o" "$up_r")
  echo "| 1. PUT /upload of $big_mib MiB on S3 (MiB/s) vs curl PUT to the bucket | $(int "$up_o") | $(int "$up_r") | $r | ≥ 0.8 | $(met "$r" 0.8) |"
  r=$(bench_ratio "$get_o" "$get_r")
  echo "| 2. GET of that blob through the server (MiB/s) vs curl GET from the bucket | $(int "$get_o") | $(int "$get_r") | $r | ≥ 0.8 | $(met "$r" 0.8) |"
  echo
  echo "## 1 KiB authenticated uploads, 32 clients, $load_seconds s each"
  echo
  echo "| setup | uploads/s | p50 / p99 (ms) | failed | statuses |"
  echo "| --- | --- | --- | --- | --- |"
  cat "$work/load.md"
  echo
  echo "The load client (node) and every server share the same 2 cores, so two nodes on one machine measure"
  echo "that the cluster stays correct under load more than that it scales."
  echo
  echo "## Runs"
  echo
  echo "- 1. upload MiB/s, ours: $(bench_runs "${up_ours[@]}"); curl to the bucket: $(bench_runs "${up_ref[@]}")."
  echo "- 2. GET MiB/s, ours: $(bench_runs "${get_ours[@]}"); curl from the bucket: $(bench_runs "${get_ref[@]}")."
} >bench/results-distributed.md
cat bench/results-distributed.md
echo "wrote bench/results-distributed.md in $run_seconds s" >&2
