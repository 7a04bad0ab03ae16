# Shared parts of the bench scripts; source it (`. "$(dirname "$0")/lib.sh"`), don't run it.
# It cds to the repo root. A script then calls, in order:
#   bench_workdir NAME        temp dir in $work, removed on exit with every process bench_track'ed
#   bench_need CMD PACKAGE    apt-get installs PACKAGE when CMD is missing
#   bench_build               Release build copied to $work/server (or $BENCH_SERVER_BUILD's copy)
#   bench_start_server [Blossom__X=Y ...]   the copy on a free loopback port: $server (pid), $base
#   bench_keygen              NOSTR_SECRET for bench_token
# and, where a script needs them, bench_nginx (an nginx beside the server) and bench_media_samples.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bench_pids=()
work=
server=

# On failure the server's log goes to stderr before the temp dir holding it is removed.
bench_cleanup() {
  local status=$? pid
  if [ "$status" != 0 ] && [ -n "$work" ] && [ -f "$work/server.log" ]; then
    echo "--- last lines of the server log ($work/server.log) ---" >&2
    tail -30 "$work/server.log" >&2 || true
  fi
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -z "$work" ] || [ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
  return "$status"
}

bench_workdir() {
  work=$(mktemp -d "/tmp/blossom-$1.XXXXXX")
  trap bench_cleanup EXIT
}

bench_track() { bench_pids+=("$@"); }

bench_need() {
  command -v "$1" >/dev/null && return
  echo "installing $2 (for $1)" >&2
  apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}

bench_need_node_modules() {
  [ -d tools/node_modules ] || npm ci --prefix tools --no-audit --no-fund >/dev/null
}

# Run a copy: others build in this tree, and a build that rewrites bin/ under the running server
# kills it minutes into the measurement. BENCH_SERVER_BUILD (a copy made by an earlier call, as
# bench/run.sh passes it to bench/media.sh) skips the build, so one run measures one binary.
bench_build() {
  if [ -n "${BENCH_SERVER_BUILD:-}" ]; then
    cp -r "$BENCH_SERVER_BUILD" "$work/server"
  else
    dotnet build -c Release Blossom.Server >/dev/null
    cp -r Blossom.Server/bin/Release/net10.0 "$work/server"
  fi
}

# A loopback TCP port nobody listens on now.
bench_free_port() {
  local port
  while :; do
    # Below the kernel's ephemeral range (32768 up by default): a port some client's connection
    # holds as its local end cannot be bound, though nobody listens on it.
    port=$((10000 + RANDOM % 22000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Starts the server with its data in $work/data, rate limits off, plus the given settings
# (NAME=value, e.g. Blossom__Upload__MaxSizeBytes=...); waits for /healthz.
bench_start_server() {
  local port
  port=$(bench_free_port)
  base="http://127.0.0.1:$port"
  env Blossom__Storage__Path="$work/data/blobs" \
    Blossom__Database__ConnectionString="Data Source=$work/data/blossom.db" \
    Blossom__Media__WorkPath="$work/data/media" \
    Blossom__RateLimit__PerIpPerMinute=0 Blossom__RateLimit__PerPubkeyPerMinute=0 \
    "$@" dotnet "$work/server/Blossom.Server.dll" --urls "$base" >"$work/server.log" 2>&1 &
  server=$!
  bench_track "$server"
  for _ in $(seq 150); do curl -sf -o /dev/null "$base/healthz" && return; sleep 0.2; done
  echo "server did not start" >&2
  exit 1
}

bench_stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

bench_keygen() { eval "$(node tools/nostr-auth.mjs keygen)"; export NOSTR_SECRET NOSTR_PUBKEY; }
bench_token() { node tools/nostr-auth.mjs "$@"; }
bench_sha() { sha256sum "$1" | cut -d' ' -f1; }
# Where the server keeps a blob: <Storage:Path>/<h[0:2]>/<h[2:4]>/<h>.
bench_blob_path() { echo "$work/data/blobs/${1:0:2}/${1:2:2}/$1"; }

# PUT /upload of a file (its type, its sha256 when known); prints "<status> <seconds>". Hashes and
# signs before curl starts, so only the request is timed.
bench_put_upload() {
  local file=$1 type=${2:-application/octet-stream} hash=${3:-} auth
  [ -n "$hash" ] || hash=$(bench_sha "$file")
  auth=$(bench_token upload "$hash")
  curl -sS -o "$work/reply.json" -w '%{http_code} %{time_total}' -X PUT "$base/upload" -T "$file" \
    -H "Content-Type: $type" -H "X-SHA-256: $hash" -H "Authorization: $auth"
}

# The same, failing loudly unless the blob was stored (201); prints the seconds.
bench_upload() {
  local reply
  reply=$(bench_put_upload "$@")
  [ "${reply% *}" = 201 ] || { echo "PUT /upload of $1 answered ${reply% *}: $(cat "$work/reply.json")" >&2; exit 1; }
  echo "${reply#* }"
}

# A figure of /proc/<pid>/status in KiB (VmRSS, VmHWM), read without forking.
bench_status_kib() {
  local key value _
  while read -r key value _; do
    [ "$key" = "$2:" ] && { echo "$value"; return; }
  done <"/proc/$1/status"
}

# Runs a command while sampling the server's VmRSS every ~20 ms; the command's output goes to
# stdout as usual, and rss_peak_kib (the largest sample) and hwm_peak_kib (VmHWM, reset just
# before the command where the kernel allows: a check on the sampling) are set. Call it without $(…).
# The sampler forks nothing per sample (read -t on a silent fifo is its sleep), so it costs ~no CPU.
bench_rss_peak_during() {
  local stop="$work/rss.stop" out="$work/rss.max" tick="$work/rss.tick" sampler
  rm -f "$stop" "$out"
  [ -p "$tick" ] || mkfifo "$tick"
  echo 5 2>/dev/null >"/proc/$server/clear_refs" || true # 5 resets VmHWM to the current RSS
  (
    max=0
    exec 3<>"$tick"
    while :; do
      while read -r key value _; do
        [ "$key" = VmRSS: ] && { [ "$value" -gt "$max" ] && max=$value; break; }
      done <"/proc/$server/status"
      [ -e "$stop" ] && break
      read -r -t 0.02 -u 3 _ || true
    done
    echo "$max" >"$out"
  ) &
  sampler=$!
  "$@"
  touch "$stop"
  wait "$sampler"
  rss_peak_kib=$(cat "$out")
  hwm_peak_kib=$(bench_status_kib "$server" VmHWM)
}

# CPU time a process has used so far (user + system), in seconds.
bench_cpu_seconds() {
  local f
  read -r -a f <"/proc/$1/stat"
  echo "${f[13]} ${f[14]} $(getconf CLK_TCK)" | awk '{printf "%.2f", ($1 + $2) / $3}'
}

bench_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# Runs a command, its output dropped; prints the seconds it took.
bench_timed() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); bench_elapsed "$start" "$end"; }
bench_elapsed() { echo "$1 $2" | awk '{printf "%.3f", $2 - $1}'; }
# One figure of this run as "KEY VALUE", appended to $BENCH_FIGURES when set (bench/rounds.sh gathers them).
bench_figure() { [ -z "${BENCH_FIGURES:-}" ] || echo "$1 $2" >>"$BENCH_FIGURES"; }
bench_ratio() { echo "$1 $2" | awk '{printf "%.2f", $1 / $2}'; }
bench_mibps() { echo "$1 $2" | awk '{printf "%.0f", $1 / 1048576 / $2}'; } # bytes, seconds
bench_median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
bench_runs() { printf '%s\n' "$@" | awk -v f="${BENCH_RUNS_FORMAT:-%.2f}" '{printf "%s" f, (NR > 1 ? ", " : ""), $1}'; }

# Starts nginx on a free loopback port with the given server-block directives (its listen line is
# added); sets $nginx_port and $nginx_base. Its temp files and logs stay in $work/nginx.
bench_nginx() {
  mkdir -p "$work/nginx"
  nginx_port=$(bench_free_port)
  nginx_base="http://127.0.0.1:$nginx_port"
  cat >"$work/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  sendfile on;
  tcp_nopush on;
  access_log off;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
$1
  }
}
EOF
  nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" &
  bench_track $!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break; sleep 0.1; done
}

# The media inputs, numbers 0..$1: $work/img<i>.jpg (12 MP) and $work/vid<i>.mp4 (1080p60 with a tone).
# The server dedupes: an original seen before gets its earlier result at once. So every timed
# repetition needs its own bytes: the JPEGs differ by the noise seed, the clips by the tone's pitch.
# Number 0 of each is a warm-up (JIT, first use of libvips and ffmpeg, disc cache), not counted;
# its clip is 1 s, enough for that; the others are 10 s.
bench_media_samples() {
  local i seconds
  for i in $(seq 0 "$1"); do
    ffmpeg -hide_banner -nostdin -loglevel error -y -f lavfi -i testsrc2=size=4000x3000 \
      -vf "noise=alls=20:allf=t:all_seed=$((i + 1))" -frames:v 1 -q:v 3 "$work/img$i.jpg"
    seconds=$([ "$i" = 0 ] && echo 1 || echo 10)
    ffmpeg -hide_banner -nostdin -loglevel error -y \
      -f lavfi -i "testsrc2=size=1920x1080:rate=60:duration=$seconds" -f lavfi -i "sine=frequency=$((440 + i)):duration=$seconds" \
      -c:v libx264 -preset ultrafast -crf 18 -c:a aac -shortest "$work/vid$i.mp4"
  done
  sync
}

# PUT /media of a file held until the result (Prefer: wait), the answer left in $work/reply.json;
# prints "<request s> <job s>". The job time is the worker's own, from the server's log line
# "Media: <sha> (<kind>) ended Complete in N ms": it leaves out the upload and the queueing. Fails
# loudly unless the answer is 200/201 with a result of type <expected>.
bench_put_media() { # file type expected kind
  local file=$1 type=$2 expected=$3 kind=$4 hash auth reply job_ms got
  hash=$(bench_sha "$file")
  auth=$(bench_token media "$hash")
  reply=$(curl -sS -o "$work/reply.json" -w '%{http_code} %{time_total}' -X PUT "$base/media" -T "$file" \
    -H "Content-Type: $type" -H "X-SHA-256: $hash" -H "Authorization: $auth" -H "Prefer: wait=600")
  case ${reply% *} in
    200 | 201) ;;
    *) echo "PUT /media of $file answered ${reply% *}: $(cat "$work/reply.json")" >&2; exit 1 ;;
  esac
  got=$(node -p "JSON.parse(require('fs').readFileSync('$work/reply.json', 'utf8')).type")
  [ "$got" = "$expected" ] || { echo "PUT /media of $file gave $got, not $expected" >&2; exit 1; }
  # The worker logs after the waiting request is answered; give the console logger a moment.
  for _ in $(seq 50); do
    job_ms=$(grep -o "Media: $hash ($kind) ended Complete in [0-9]* ms" "$work/server.log" | awk '{print $(NF - 1)}') || true
    [ -n "$job_ms" ] && break
    sleep 0.1
  done
  # No log line means no job ran: a deduplicated original would make the figure meaningless.
  [ -n "$job_ms" ] || { echo "no \"ended Complete\" log line for $hash; server log:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
  echo "${reply#* } $(echo "scale=3; $job_ms / 1000" | bc -l)"
}

# --- growth (bench/growth.sh) ---

# Inserts blobs number FROM+1..TO straight into a stopped server's SQLite index, in one transaction:
# pseudo-random hashes (sha3 of the number), 1 KiB each, one a second back in time. Nine in ten are
# owned by PUBKEY (its /list is the deep one); the tenth by one of 100 other pubkeys.
bench_growth_insert_blobs() { # db from to pubkey
  local db=$1 from=$(($2 + 1)) to=$3 pubkey=$4
  sqlite3 "$db" <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
CREATE TEMP TABLE n AS WITH RECURSIVE n(i) AS (SELECT $from UNION ALL SELECT i + 1 FROM n WHERE i < $to)
  SELECT i, lower(hex(sha3(i, 256))) AS sha256, 1700000000 - i AS uploaded FROM n;
INSERT INTO blobs (sha256, size, type, uploaded) SELECT sha256, 1024, 'application/octet-stream', uploaded FROM n;
INSERT INTO owners (pubkey, sha256, uploaded, added)
  SELECT CASE WHEN i % 10 = 0 THEN printf('%064x', i / 10 % 100 + 1) ELSE '$pubkey' END, sha256, uploaded, uploaded FROM n;
COMMIT;
SQL
}

# The hash nine tenths down PUBKEY's list, newest first: the cursor of a deep /list page.
bench_growth_deep_cursor() { # db pubkey
  sqlite3 "$1" "SELECT sha256 FROM owners WHERE pubkey = '$2' ORDER BY uploaded DESC, sha256 DESC
    LIMIT 1 OFFSET (SELECT count(*) * 9 / 10 FROM owners WHERE pubkey = '$2');"
}

# EXPLAIN QUERY PLAN of what a blob GET/HEAD, a /list page (first and by cursor) and an upload's
# quota check run, as SqlBlobIndex spells them.
bench_growth_plans() { # db pubkey cursor
  local db=$1 pubkey=$2 cursor=$3 uploaded
  uploaded=$(sqlite3 "$db" "SELECT uploaded FROM owners WHERE pubkey = '$pubkey' AND sha256 = '$cursor'")
  local columns="b.sha256, b.size, b.type, b.uploaded, b.width, b.height, b.blurhash, b.original_sha256"
  local statement
  for statement in \
    "SELECT $columns FROM blobs b WHERE b.sha256 = '$cursor'" \
    "SELECT $columns FROM owners o JOIN blobs b ON b.sha256 = o.sha256 WHERE o.pubkey = '$pubkey' ORDER BY o.uploaded DESC, o.sha256 DESC LIMIT 100" \
    "SELECT uploaded FROM owners WHERE pubkey = '$pubkey' AND sha256 = '$cursor'" \
    "SELECT $columns FROM owners o JOIN blobs b ON b.sha256 = o.sha256 WHERE o.pubkey = '$pubkey' AND (o.uploaded, o.sha256) < ($uploaded, '$cursor') ORDER BY o.uploaded DESC, o.sha256 DESC LIMIT 100" \
    "SELECT COALESCE((SELECT u.bytes FROM owner_usage u WHERE u.pubkey = '$pubkey'), 0), CASE WHEN EXISTS (SELECT 1 FROM owners o WHERE o.pubkey = '$pubkey' AND o.sha256 = '$cursor') THEN 1 ELSE 0 END, (SELECT COALESCE(SUM(p.length), 0) FROM partial_uploads p WHERE p.owner = '$pubkey' AND p.sha256 <> '$cursor')"; do
    echo "${statement//$pubkey/<pubkey>}" | sed "s/$cursor/<hash>/g; s/$columns/<columns>/"
    sqlite3 "$db" "EXPLAIN QUERY PLAN $statement" | sed 's/^/    /'
  done
}

# Runs a bench/growth.mjs latency or upload command and takes its figures (p50_ms, p99_ms, failed,
# counted, statuses) into this shell, with cpu_us: the server's CPU time per counted request (warm-ups are
# charged too, a few percent), steadier than latency on a shared machine. Fails loudly when a request failed.
bench_growth_latency() {
  local out before
  before=$(bench_cpu_seconds "$server")
  out=$("$@")
  eval "$out"
  cpu_us=$(echo "$before $(bench_cpu_seconds "$server") $counted" | awk '{printf "%.0f", ($2 - $1) * 1e6 / $3}')
  [ "$failed" = 0 ] || { echo "$* : $failed failed ($statuses)" >&2; exit 1; }
}

# Appends "<unix seconds> <server VmRSS KiB>" to FILE every ~0.1 s until killed.
bench_growth_sample_rss() { # file
  while kill -0 "$server" 2>/dev/null; do
    echo "$(date +%s.%N) $(bench_status_kib "$server" VmRSS)" >>"$1"
    sleep 0.1
  done
}

# Waits (up to 120 s) for a file a background helper touches when it is ready.
bench_growth_wait_file() {
  for _ in $(seq 1200); do [ -s "$1" ] && return; sleep 0.1; done
  echo "timed out waiting for $1" >&2
  exit 1
}

# Waits (up to 30 s) until the server has used under 0.05 s of CPU in half a second: the work a
# step started (connections opening, requests arriving) is done before it is measured.
bench_growth_settle() {
  local before after
  for _ in $(seq 60); do
    before=$(bench_cpu_seconds "$server")
    sleep 0.5
    after=$(bench_cpu_seconds "$server")
    awk -v a="$before" -v b="$after" 'BEGIN{exit !(b - a < 0.05)}' && return
  done
}

# A PostgreSQL of its own in $work/pg (Debian's packaged binaries, default durability: fsync and
# synchronous_commit on), stopped by bench_postgres_stop or, on failure, by bench_cleanup.
# Sets bench_postgres: the server settings that use it.
bench_postgres_start() {
  local port
  bench_postgres_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
  [ -n "$bench_postgres_bin" ] || { bench_need psql postgresql; bench_postgres_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -1); }
  bench_postgres_as=()
  mkdir -p "$work/pg"
  chmod o+x "$work"
  if [ "$(id -u)" = 0 ]; then chown postgres "$work/pg"; bench_postgres_as=(runuser -u postgres --); fi
  port=$(bench_free_port)
  "${bench_postgres_as[@]}" "$bench_postgres_bin/initdb" -D "$work/pg/data" -U blossom --auth=trust -E UTF8 >/dev/null
  "${bench_postgres_as[@]}" "$bench_postgres_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w start \
    -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
  bench_track "$(head -1 "$work/pg/data/postmaster.pid")"
  "$bench_postgres_bin/createdb" -h 127.0.0.1 -p "$port" -U blossom blossom
  bench_postgres=(Blossom__Database__Provider=Postgres
    Blossom__Database__ConnectionString="Host=127.0.0.1;Port=$port;Username=blossom;Database=blossom")
}

bench_postgres_stop() {
  "${bench_postgres_as[@]}" "$bench_postgres_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null
}
