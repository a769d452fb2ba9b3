#!/usr/bin/env bash
# Set up everything Outlet Desk needs on a fresh Debian 12 machine: system packages (PC/SC daemon and
# the vpcd virtual reader, PostgreSQL for the tests, tmux, a CJK font, poppler), a virtualenv in .venv,
# and the package with its dev tools. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(pcscd vsmartcard-vpcd libpcsclite-dev pkg-config postgresql tmux poppler-utils fonts-wqy-microhei)

stage() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  stage "apt: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  stage "venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  stage "pip install -e .[dev]"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
