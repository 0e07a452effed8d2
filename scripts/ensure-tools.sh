#!/usr/bin/env bash
# Installs what npm cannot bring: pnpm (pinned, from the npm registry) and, when asked with
# `--system`, Debian's redis-server, chromium and prometheus (for `promtool`, which checks and
# unit-tests the shipped alert rules) for the tests, and checks for the Firestore emulator and Java
# (which it cannot install). Safe to run again: it installs only what is missing.
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
  command -v promtool >/dev/null || missing+=(prometheus)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "» installing ${missing[*]} from Debian's packages"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi

  # The Firestore emulator (Java, from Google's Cloud SDK) is neither on npm nor in Debian: check, never skip.
  emulator="${FIRESTORE_EMULATOR_PATH:-/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator}"
  java_major="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  if [ ! -x "$emulator" ] && ! command -v cloud_firestore_emulator >/dev/null; then
    echo "✗ the Cloud Firestore emulator is missing ($emulator); the Firestore tests need it." >&2
    echo "  Install the apt package google-cloud-cli-firestore-emulator from Google's Cloud SDK repository" >&2
    echo "  (https://cloud.google.com/sdk/docs/install), or run: gcloud components install cloud-firestore-emulator" >&2
    echo "  (set FIRESTORE_EMULATOR_PATH to use a copy elsewhere). It needs Java 17 or newer." >&2
    exit 1
  fi
  if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
    echo "✗ the Cloud Firestore emulator needs Java 17 or newer (found: ${java_major:-none})." >&2
    echo "  Install it, e.g. the Debian package openjdk-17-jre-headless; the emulator itself is the apt package" >&2
    echo "  google-cloud-cli-firestore-emulator (https://cloud.google.com/sdk/docs/install)." >&2
    exit 1
  fi
fi
