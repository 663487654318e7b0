#!/usr/bin/env bash
# Makes sure the named programs are on PATH. As root on Debian it installs the missing ones with apt;
# otherwise it says exactly what to install and fails.
set -euo pipefail

declare -A package_of=(
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  [mpv]=mpv
  [node]=nodejs
  [npm]=npm
  [chromium]=chromium
  [pg_virtualenv]=postgresql
  # OpenStack Swift with s3api: the S3 server of the tests and the benchmark.
  [swift-ring-builder]=swift
  [swift-proxy-server]=swift-proxy
  [swift-object-server]=swift-object
  [swift-container-server]=swift-container
  [swift-account-server]=swift-account
  [memcached]=memcached
  [curl]=curl
  [wrk]=wrk
  [nginx]=nginx
)

# The web UI's build tools (Vite 6, Svelte 5) need Node 18 or newer: Debian 12 ships 18.19.
check_node_version() {
  command -v node >/dev/null 2>&1 || return 0
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 18 ]; then
    echo "Reel's web UI needs Node.js 18 or newer; found $(node --version)." >&2
    exit 1
  fi
}

missing=()
for program in "$@"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("${package_of[$program]:-$program}")
done
if [ ${#missing[@]} -eq 0 ]; then
  check_node_version
  exit 0
fi

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
check_node_version
