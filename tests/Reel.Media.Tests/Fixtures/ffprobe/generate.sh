#!/bin/sh
# Regenerates the ffprobe JSON fixtures from short lavfi clips. The clips themselves are not kept.
# Usage: sh generate.sh   (run from this folder; needs ffmpeg and ffprobe)
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }

ff -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 \
   -c:v libx264 -profile:v high -pix_fmt yuv420p -c:a aac -ac 2 h264_aac.mp4
ff -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 \
   -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -c:a libopus vp9_opus.webm
# ffmpeg 5.1 turns a rotate tag into a display matrix; ffmpeg 6+ needs -display_rotation:v:0 before -i instead.
ff -i h264_aac.mp4 -map 0 -c copy -metadata:s:v:0 rotate=90 rotated.mp4
ff -f lavfi -i sine=frequency=440:sample_rate=44100 -f lavfi -i testsrc2=size=320x320:rate=1 -t 1 \
   -map 0:a -map 1:v -frames:v 1 -c:a aac -c:v mjpeg -disposition:v attached_pic cover_art.m4a
ff -f lavfi -i testsrc2=size=720x576:rate=25 -t 1 -vf setsar=16/15 -c:v libx264 -pix_fmt yuv420p anamorphic.mp4
ff -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 1 \
   -c:v libx264 -pix_fmt yuv420p -c:a aac -ac 6 surround.mp4
ff -f lavfi -i testsrc2=size=640x360:rate=30000/1001 -t 1 -c:v libx264 -pix_fmt yuv420p no_audio.mp4

for f in h264_aac.mp4 vp9_opus.webm rotated.mp4 cover_art.m4a anamorphic.mp4 surround.mp4 no_audio.mp4; do
  ffprobe -v error -print_format json -show_format -show_streams "$f" > "$out/${f%.*}.json"
done
