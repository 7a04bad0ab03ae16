#!/usr/bin/env bash
# Previews and HLS through the Release server, beside the bare tool doing the same work on the same file:
#   1. GET /<sha256>/preview?w=320&h=240 of a 12 MP JPEG, first request (made) and repeated (found):
#      vs vipsthumbnail to the same box, WebP at the same quality, no metadata
#   2. PUT /media of a 10 s 1080p60 clip with Media:Video:Hls=true (the MP4 and a 1080/720/480 ladder):
#      vs bare ffmpeg writing the same outputs with the same arguments in one run
# Usage: bench/previews.sh [repetitions, default 3]   -> bench/results-previews.md
set -euo pipefail
. "$(dirname "$0")/lib.sh"
reps=${1:-3}
bench_workdir bench-previews
run_start=$(date +%s)
load_before=$(bench_loadavg)

# The recipe, passed to the server below and used by the reference commands (appsettings.json's defaults).
quality=80 box_w=320 box_h=240
vid_height=1080 vid_fps=30 vid_crf=23 vid_preset=fast vid_audio_kbps=128 vid_max_duration=1800 hls_seconds=6

bench_need vipsthumbnail libvips-tools
bench_need ffmpeg ffmpeg
bench_need_node_modules
bench_build

# As in bench/media.sh: Debian's vipsthumbnail (8.14) knows strip, not keep=none.
ref_vips=$(vipsthumbnail --vips-version | awk '{print $2}')
if printf '%s\n' 8.15.0 "$ref_vips" | sort -V -C; then no_metadata=keep=none; else no_metadata=strip; fi

bench_media_samples "$reps"

bench_start_server \
  Blossom__Media__Workers=1 Blossom__Previews__Quality=$quality \
  Blossom__Media__Video__MaxHeight=$vid_height Blossom__Media__Video__MaxFps=$vid_fps \
  Blossom__Media__Video__Crf=$vid_crf Blossom__Media__Video__Preset=$vid_preset \
  Blossom__Media__Video__AudioBitrateKbps=$vid_audio_kbps Blossom__Media__Video__MaxDurationSeconds=$vid_max_duration \
  Blossom__Media__Video__Hls=true Blossom__Media__Video__HlsSegmentSeconds=$hls_seconds
bench_keygen


preview() { # sha256 -> "<seconds> <bytes>", failing unless 200
  local reply
  reply=$(curl -sS -o "$work/preview.webp" -w '%{http_code} %{time_total} %{size_download}' "$base/$1/preview?w=$box_w&h=$box_h")
  [ "${reply%% *}" = 200 ] || { echo "preview of $1 answered ${reply%% *}" >&2; exit 1; }
  echo "${reply#* }"
}

ref_preview() { # file -> seconds
  bench_timed vipsthumbnail "$1" --size "${box_w}x${box_h}>" --export-profile srgb -o "$work/ref.webp[Q=$quality,$no_metadata]"
}

# PUT /media of a clip with its ladder, held until the result; prints "<request s> <job s>".
put_media_hls() {
  bench_put_media "$1" video/mp4 video/mp4 Video
  [ -n "$(streaming)" ] || { echo "PUT /media of $1 named no HLS master playlist: $(cat "$work/reply.json")" >&2; exit 1; }
}
# The master playlist the last answer names in its NIP-94 streaming tag.
streaming() { node -p "(JSON.parse(require('fs').readFileSync('$work/reply.json', 'utf8')).nip94 || []).find((t) => t[0] === 'streaming')?.[1] ?? ''"; }

# The arguments MUST stay in step with AudioVideoOptimizer (VideoArgumentsFor, HlsOutputsFor) and
# FfmpegProcess.RunAsync (-t after each output, -progress on the first): one run, the MP4 and every rung.
ref_hls() { # file out-folder -> seconds
  local cut=$((vid_max_duration + 1)).000 rungs=() side
  mkdir -p "$2"
  encode() { echo "-map 0:V:0 -map 0:a:0? -vf scale=-2:$1,fps=$vid_fps -c:v libx264 -preset $vid_preset -crf $vid_crf -pix_fmt yuv420p -c:a aac -b:a ${vid_audio_kbps}k -map_metadata -1 -map_chapters -1"; }
  for side in 1080 720 480; do
    # shellcheck disable=SC2207
    rungs+=($(encode "$side") -force_key_frames "expr:gte(t,n_forced*$hls_seconds)" -f hls -hls_time "$hls_seconds"
      -hls_playlist_type vod -hls_list_size 0 -hls_segment_type mpegts -hls_flags independent_segments
      -hls_segment_filename "$2/${side}_%05d.ts" -t "$cut" "$2/$side.m3u8")
  done
  # shellcheck disable=SC2046
  bench_timed ffmpeg -hide_banner -nostdin -loglevel error -y -i "$1" $(encode "$vid_height") -movflags +faststart \
    -t "$cut" -progress pipe:1 -nostats "$2/out.mp4" "${rungs[@]}"
}

upload_quiet() { bench_upload "$1" "$2" >/dev/null; }

# Warm-up
upload_quiet "$work/img0.jpg" image/jpeg
preview "$(bench_sha "$work/img0.jpg")" >/dev/null
ref_preview "$work/img0.jpg" >/dev/null
put_media_hls "$work/vid0.mp4" >/dev/null
ref_hls "$work/vid0.mp4" "$work/ref0" >/dev/null

for i in $(seq 1 "$reps"); do
  echo "repetition $i of $reps" >&2
  upload_quiet "$work/img$i.jpg" image/jpeg
  hash=$(bench_sha "$work/img$i.jpg")
  if [ $((i % 2)) = 1 ]; then
    ref=$(ref_preview "$work/img$i.jpg"); first=$(preview "$hash")
  else
    first=$(preview "$hash"); ref=$(ref_preview "$work/img$i.jpg")
  fi
  again=$(preview "$hash")
  pv_first+=("${first% *}"); pv_again+=("${again% *}"); pv_ref+=("$ref")
  pv_size+=("${first#* }"); pv_ref_size+=("$(stat -c %s "$work/ref.webp")")

  result=$(put_media_hls "$work/vid$i.mp4"); read -r ours job <<<"$result"
  hls_ours+=("$ours"); hls_job+=("$job")
  ref=$(ref_hls "$work/vid$i.mp4" "$work/ref$i"); hls_ref+=("$ref")
done

# The last ladder plays: ffmpeg reads its master playlist over HTTP and decodes every variant.
master=$(streaming)
ffmpeg -hide_banner -nostdin -loglevel error -i "$master" -map 0:v -f null - || { echo "the HLS master $master does not decode" >&2; exit 1; }

# libvips 8.14's webpsave ignores strip (as bench/media.sh notes): then the reference keeps its ICC profile.
ref_icc=$(vipsheader -f icc-profile-data "$work/ref.webp" 2>/dev/null | wc -c) || true
median() { printf '%.3f' "$(bench_median "$@")"; }
{
  echo "# Previews and HLS"
  echo
  echo "Run of \`bench/previews.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores; load average before: $load_before,"
  echo "after: $(bench_loadavg); $(($(date +%s) - run_start)) s in all. Release build, SQLite + files. Medians of $reps"
  echo "repetitions, each on its own file (the server makes a preview or a ladder once per source); every run listed."
  echo
  echo "## Preview of a 12 MP JPEG (4000x3000) in a ${box_w}x${box_h} box, WebP q$quality"
  echo
  echo "| figure | seconds | vs vipsthumbnail | runs (s) |"
  echo "| --- | --- | --- | --- |"
  echo "| vipsthumbnail $ref_vips (the same box, shrink-on-load, sRGB, WebP q$quality, strip asked) | $(median "${pv_ref[@]}") | 1.00× | $(bench_runs "${pv_ref[@]}") |"
  echo "| first \`GET /<sha256>/preview?w=$box_w&h=$box_h\` (made, stored as a blob, served) | $(median "${pv_first[@]}") | $(bench_ratio "$(median "${pv_first[@]}")" "$(median "${pv_ref[@]}")")× | $(bench_runs "${pv_first[@]}") |"
  echo "| the same request again (found in the index, served) | $(median "${pv_again[@]}") | $(bench_ratio "$(median "${pv_again[@]}")" "$(median "${pv_ref[@]}")")× | $(bench_runs "${pv_again[@]}") |"
  echo
  echo "Preview bytes: ours $(bench_runs "${pv_size[@]}" | sed 's/\.00//g'), vipsthumbnail's $(bench_runs "${pv_ref_size[@]}" | sed 's/\.00//g')."
  [ "${ref_icc:-0}" -gt 0 ] && echo "vipsthumbnail's files still carry an ICC profile (its webpsave $ref_vips ignores strip); ours carry no metadata."
  echo
  echo "## HLS ladder of a 10 s 1080p60 clip: the MP4 plus 1080/720/480 renditions in ${hls_seconds} s segments"
  echo
  echo "| figure | seconds | vs bare ffmpeg | runs (s) |"
  echo "| --- | --- | --- | --- |"
  echo "| bare ffmpeg, the same outputs and arguments in one run | $(median "${hls_ref[@]}") | 1.00× | $(bench_runs "${hls_ref[@]}") |"
  echo "| \`PUT /media\` job (probe, the ffmpeg run, every file stored as a blob, playlists rewritten, poster) | $(median "${hls_job[@]}") | $(bench_ratio "$(median "${hls_job[@]}")" "$(median "${hls_ref[@]}")")× | $(bench_runs "${hls_job[@]}") |"
  echo "| \`PUT /media\` request, upload to answer | $(median "${hls_ours[@]}") | $(bench_ratio "$(median "${hls_ours[@]}")" "$(median "${hls_ref[@]}")")× | $(bench_runs "${hls_ours[@]}") |"
  echo
  echo "The last ladder was then read over HTTP from its master playlist by ffmpeg and every variant decoded."
} >bench/results-previews.md
cat bench/results-previews.md
