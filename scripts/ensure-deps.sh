#!/usr/bin/env bash
# Makes sure the named programs are on PATH. As root on Debian it installs the missing ones with apt;
# otherwise it says exactly what to install and fails.
set -euo pipefail

declare -A package_of=(
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  [mpv]=mpv
)

missing=()
for program in "$@"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${package_of[$program]:-$program}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing missing packages: $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages >/dev/null
else
  echo "Reel needs: $packages" >&2
  echo "Install them with: sudo apt-get install $packages" >&2
  exit 1
fi
