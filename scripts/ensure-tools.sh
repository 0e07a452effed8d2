#!/usr/bin/env bash
# Installs what npm cannot bring: pnpm (pinned, from the npm registry) and, when asked with
# `--system`, Debian's redis-server and chromium for the tests. Safe to run again: it installs only
# what is missing.
set -euo pipefail
PNPM_VERSION=9.15.9

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "» installing pnpm $PNPM_VERSION from the npm registry"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

if [ "${1:-}" = "--system" ]; then
  missing=()
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  command -v chromium >/dev/null || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "» installing ${missing[*]} from Debian's packages"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
