#!/usr/bin/env bash
# Media optimization through the Release server's PUT /media, beside the bare tool doing the same
# work on the same file: vipsthumbnail for a 12 MP JPEG, ffmpeg for a 10 s 1080p60 clip with audio.
# A plain PUT /upload of each file is timed too, to show how much of PUT /media is the upload itself.
# Usage: bench/media.sh [repetitions, default 3]   -> bench/results-media.md
set -euo pipefail
. "$(dirname "$0")/lib.sh"
reps=${1:-3}
bench_workdir bench-media

# The recipe, passed to the server below and used by the reference commands, so both sides run the
# same settings whatever appsettings.json says (these are its defaults).
img_width=1920 img_height=1080 img_quality=80
vid_height=1080 vid_fps=30 vid_crf=23 vid_preset=fast vid_audio_kbps=128 vid_max_duration=1800

bench_need vipsthumbnail libvips-tools
bench_need ffmpeg ffmpeg
bench_need_node_modules
bench_build

# libvips 8.15 replaced the boolean saver option `strip` by `keep`; the server (NetVips) asks for
# keep=none, which Debian bookworm's vipsthumbnail (8.14) does not know: there strip is the one
# meant to do the same (its webpsave ignores it, though: see ref_metadata below).
ref_vips=$(vipsthumbnail --vips-version | awk '{print $2}')
if printf '%s\n' 8.15.0 "$ref_vips" | sort -V -C; then no_metadata=keep=none; else no_metadata=strip; fi
# The server's libvips is the one NetVips.Native bundles, not the system's; its package version is libvips's.
our_vips=$(grep -o -m1 '"NetVips.Native.linux-x64/[0-9.]*"' "$work/server/Blossom.Server.deps.json" | tr -d '"' | cut -d/ -f2)
ffmpeg_version=$(ffmpeg -hide_banner -version | awk 'NR == 1 {print $3}')

bench_media_samples "$reps"

# Workers=1: libvips then gets every core (Concurrency = cores / Workers), as vipsthumbnail does by
# default; with more workers the server would use fewer threads per image than the reference.
bench_start_server \
  Blossom__Media__Enabled=true \
  Blossom__Media__Workers=1 \
  Blossom__Media__Image__MaxWidth=$img_width Blossom__Media__Image__MaxHeight=$img_height \
  Blossom__Media__Image__Format=webp Blossom__Media__Image__Quality=$img_quality \
  Blossom__Media__Video__MaxHeight=$vid_height Blossom__Media__Video__MaxFps=$vid_fps \
  Blossom__Media__Video__Crf=$vid_crf Blossom__Media__Video__Preset=$vid_preset \
  Blossom__Media__Video__AudioBitrateKbps=$vid_audio_kbps Blossom__Media__Video__MaxDurationSeconds=$vid_max_duration

bench_keygen

json() { node -p "JSON.parse(require('fs').readFileSync('$work/reply.json', 'utf8')).$1"; }

# PUT /media held until the result (bench_put_media); prints "<request s> <job s> <output bytes>".
put_media() {
  local timed
  timed=$(bench_put_media "$@") || exit 1
  echo "$timed $(json size)"
}

# The image reference: libvips's thumbnail as the server calls it (fit in the box, size=down is the
# '>' suffix, auto-rotate is vipsthumbnail's default), WebP at the same quality, no metadata. Like the
# server (ImageHeader.ThumbnailOutputProfile), it exports to sRGB only an image that is not plain 8-bit
# sRGB without a profile already: there the transform changes no pixel, yet costs time in both.
ref_image() {
  local export=(--export-profile srgb) fields
  fields=$(vipsheader -a "$1")
  if ! grep -q '^icc-profile-data:' <<<"$fields" && grep -q '^interpretation: srgb$' <<<"$fields" && grep -q '^format: uchar$' <<<"$fields"; then
    export=()
  fi
  bench_timed vipsthumbnail "$1" --size "${img_width}x${img_height}>" "${export[@]}" -o "$2[Q=$img_quality,$no_metadata]"
}

# The video reference: exactly the ffmpeg command the server runs for a 1080p60 clip with this recipe.
# The arguments between input and output MUST stay in step with AudioVideoOptimizer.VideoArgumentsFor
# (Blossom.Core/Media/AudioVideoOptimizer.cs), the frame around them with its OptimizeAsync and
# FfmpegProcess.RunAsync (which adds -t, the duration limit plus a second, and -progress pipe:1
# -nostats before the output). fps= is there
# because the source's 60 fps is above MaxFps; scale= because the short side (a landscape clip's height) is capped at MaxHeight.
ref_video() {
  bench_timed ffmpeg -hide_banner -nostdin -loglevel error -y -i "$1" \
    -map 0:V:0 -map '0:a:0?' -vf "scale=-2:$vid_height,fps=$vid_fps" \
    -c:v libx264 -preset "$vid_preset" -crf "$vid_crf" -pix_fmt yuv420p \
    -c:a aac -b:a "${vid_audio_kbps}k" -map_metadata -1 -map_chapters -1 -movflags +faststart \
    -t "$((vid_max_duration + 1)).000" -progress pipe:1 -nostats "$2"
}

# Ours and the reference alternate, repetition by repetition, so both see the same machine
# conditions (cache, clock, neighbours); the upload of the same file follows, also untouched by dedupe
# since /upload's blob store and /media's originals are apart.
load_before=$(cut -d' ' -f1 /proc/loadavg)
put_media "$work/img0.jpg" image/jpeg image/webp Image >/dev/null
ref_image "$work/img0.jpg" "$work/ref0.webp" >/dev/null
put_media "$work/vid0.mp4" video/mp4 video/mp4 Video >/dev/null
ref_video "$work/vid0.mp4" "$work/ref0.mp4" >/dev/null
for i in $(seq 1 "$reps"); do
  echo "repetition $i of $reps" >&2
  # Plain assignments first: a failure inside $(...) stops the script (set -e) there, not in read <<<.
  result=$(put_media "$work/img$i.jpg" image/jpeg image/webp Image); read -r ours job size <<<"$result"
  img_ours+=("$ours"); img_job+=("$job"); img_size+=("$size")
  ref=$(ref_image "$work/img$i.jpg" "$work/ref$i.webp"); img_ref+=("$ref"); img_ref_size+=("$(stat -c %s "$work/ref$i.webp")")
  up=$(bench_upload "$work/img$i.jpg" image/jpeg); img_up+=("$up")
  result=$(put_media "$work/vid$i.mp4" video/mp4 video/mp4 Video); read -r ours job size <<<"$result"
  vid_ours+=("$ours"); vid_job+=("$job"); vid_size+=("$size")
  ref=$(ref_video "$work/vid$i.mp4" "$work/ref$i.mp4"); vid_ref+=("$ref"); vid_ref_size+=("$(stat -c %s "$work/ref$i.mp4")")
  up=$(bench_upload "$work/vid$i.mp4" video/mp4); vid_up+=("$up")
done

load_after=$(cut -d' ' -f1 /proc/loadavg)
# libvips 8.14.1's webpsave ignores strip (seen on Debian bookworm): say so when it happens.
ref_metadata=$(vipsheader -a "$work/ref1.webp" | grep -c '^icc-profile-data\|^exif-data') || true

median() { printf '%.2f' "$(bench_median "$@")"; }
ratio() { bench_ratio "$@"; }
runs() { bench_runs "$@"; }
kib() { printf '%s\n' "$@" | awk '{printf "%s%d", (NR > 1 ? ", " : ""), $1 / 1024}'; }
row() { # figure, ours runs name, job runs name (or empty), reference runs name (or empty)
  local -n o=$2
  local ours job="—" ref="—" r="—" rj="—"
  ours=$(median "${o[@]}")
  if [ -n "$3" ]; then local -n j=$3; job=$(median "${j[@]}"); fi
  if [ -n "$4" ]; then local -n f=$4; ref=$(median "${f[@]}"); r=$(ratio "$ours" "$ref"); [ "$job" = "—" ] || rj=$(ratio "$job" "$ref"); fi
  echo "| $1 | $ours | $job | $ref | $r | $rj |"
}
{
  echo "# Media optimization: PUT /media beside vipsthumbnail and ffmpeg"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)); ffmpeg $ffmpeg_version (the server runs the same binary);"
  echo "libvips $our_vips in the server (NetVips.Native), $ref_vips for vipsthumbnail (system package; \`$no_metadata\` for no metadata)."
  echo "Server: Release build, own process, Media:Workers=1; client: curl on loopback, \`Prefer: wait=600\`."
  echo "Median of $reps repetitions, each on its own file (the server dedupes originals), ours and the reference alternating."
  echo "Load average (1 min) before the timed runs ${load_before}, after ${load_after}; this benchmark alone brings it to about the"
  echo "core count, well above means other work shared the machine and the figures are noisier."
  echo
  echo "| figure | ours (s) | ours, job only (s) | reference (s) | ratio ours/reference | ratio job/reference |"
  echo "| --- | --- | --- | --- | --- | --- |"
  row "12 MP JPEG ($(( $(stat -c %s "$work/img1.jpg") / 1024 )) KiB) to WebP within ${img_width}x${img_height}, Q$img_quality: PUT /media vs vipsthumbnail" img_ours img_job img_ref
  row "10 s 1080p60 H.264 + AAC clip ($(( $(stat -c %s "$work/vid1.mp4") / 1048576 )) MiB) to ${vid_height}p$vid_fps CRF $vid_crf $vid_preset: PUT /media vs ffmpeg" vid_ours vid_job vid_ref
  row "PUT /upload of the same JPEG (the upload's share)" img_up "" ""
  row "PUT /upload of the same clip (the upload's share)" vid_up "" ""
  echo
  echo "\"ours\" is the whole PUT /media request as curl sees it: upload of the original, queueing, job, answer."
  echo "\"job only\" is the worker's time from the server's log (\`Media: <sha> (<kind>) ended Complete in N ms\`):"
  echo "probe, optimization, hashing and storing the result."
  echo
  echo "Runs (s): image ours $(runs "${img_ours[@]}"); job $(runs "${img_job[@]}"); vipsthumbnail $(runs "${img_ref[@]}")."
  echo "Runs (s): video ours $(runs "${vid_ours[@]}"); job $(runs "${vid_job[@]}"); ffmpeg $(runs "${vid_ref[@]}")."
  echo "Output sizes (KiB): image ours $(kib "${img_size[@]}"), reference $(kib "${img_ref_size[@]}");" \
    "video ours $(kib "${vid_size[@]}"), reference $(kib "${vid_ref_size[@]}")."
  if [ "$ref_metadata" != 0 ]; then
    echo "vipsthumbnail's WebP keeps an ICC profile and EXIF despite \`$no_metadata\` (libvips $ref_vips's webpsave ignores it);"
    echo "ours keeps none. That is most of the image size gap; writing a few KiB more costs nothing measurable."
  fi
} | tee bench/results-media.md
