#!/usr/bin/env bash
# System packages the integration tests run against (real components, never mocks), and
# what PyICU builds against (libicu-dev, pkg-config, g++: on the base machine already;
# elsewhere run `make system-deps` before `make venv`).
# As root (CI) they are installed with apt-get; otherwise missing ones are named and the
# tests that need them say so when they skip locally.
set -euo pipefail
needed=(libicu-dev pkg-config g++ openssl postgresql bind9 bind9-utils unbound chromium chromium-headless-shell libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core poppler-utils)
missing=()
for pkg in "${needed[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "system-deps: not root; missing ${missing[*]} (tests needing them will say so)" >&2
fi
