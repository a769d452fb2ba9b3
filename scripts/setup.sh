#!/usr/bin/env bash
# Set up everything Outlet Desk needs on a fresh Debian 12 machine: system packages (Python with its venv
# module, the PC/SC daemon and the vpcd virtual reader, PostgreSQL for the tests, tmux, a CJK font,
# poppler), a virtualenv in .venv, and the package with its dev tools. Idempotent: a second run only
# checks. Each stage prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

# python3-venv: Debian's python3 has no ensurepip without it, so `python3 -m venv` fails on a fresh machine.
APT_PACKAGES=(python3 python3-venv pcscd vsmartcard-vpcd libpcsclite-dev pkg-config postgresql tmux poppler-utils
              fonts-wqy-microhei)
FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc

stage_name=""
stage_start=0
stage() {  # end the running stage (printing its time), start the next one
  stage_end
  stage_name=$1
  stage_start=$(date +%s%N)
  printf '\n== %s (%s)\n' "$stage_name" "$(date -u +%H:%M:%S)"
}
stage_end() {
  if [ -n "$stage_name" ]; then
    local ms=$(( ($(date +%s%N) - stage_start) / 1000000 ))
    printf '== %s: %d.%01ds\n' "$stage_name" $(( ms / 1000 )) $(( ms % 1000 / 100 ))
  fi
  stage_name=""
}
trap stage_end EXIT

stage "apt"
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "all ${#APT_PACKAGES[@]} packages installed"
fi

stage "venv"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
else
  echo ".venv exists ($(.venv/bin/python --version))"
fi

stage "pip"
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
else
  echo "pyproject.toml unchanged since the last install"
fi

stage "fonts"
if [ ! -f "$FONT" ]; then
  echo "the Chinese font $FONT is missing (package fonts-wqy-microhei): receipts and PDF reports need it" >&2
  exit 1
fi
echo "$FONT"
stage_end
