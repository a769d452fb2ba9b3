#!/usr/bin/env bash
# Set up everything Outlet Desk needs on a fresh Debian 12 machine: system packages (Python with its venv
# module, the PC/SC daemon and the vpcd virtual reader, PostgreSQL for the tests, tmux, a CJK font,
# poppler, zbar-tools for the tests that read the receipts' QR codes back), a virtualenv in .venv, and the
# package with its dev tools. Idempotent: a second run only
# checks. Each stage prints how long it took. Every Python package comes from requirements.lock (exact
# versions and hashes; scripts/lock.sh makes and checks it).
set -euo pipefail
cd "$(dirname "$0")/.."

# python3-venv: Debian's python3 has no ensurepip without it, so `python3 -m venv` fails on a fresh machine.
APT_PACKAGES=(python3 python3-venv pcscd vsmartcard-vpcd libpcsclite-dev pkg-config postgresql tmux poppler-utils
              zbar-tools fonts-wqy-microhei)
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
LOCKED_UV=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)
if [ -x .venv/bin/python ] && [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$LOCKED_UV" ]; then
  # A .venv from before the lock (or with another uv): made anew, so that nothing unlocked stays in it.
  echo ".venv has no uv $LOCKED_UV: making it anew"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  # uv, at the locked version and hashes, is the one package pip installs; uv installs the rest.
  "$PY" scripts/locked_requirement.py uv > .venv/uv-requirement.txt
  .venv/bin/python -m pip install -q --require-hashes --no-deps -r .venv/uv-requirement.txt
else
  echo ".venv exists ($(.venv/bin/python --version), uv $LOCKED_UV)"
fi

stage "packages"
# Exactly the locked versions (uv pip sync removes anything else), built with the locked build tools; then
# this project itself, editable. The stamp skips both while the lock and pyproject.toml are unchanged.
stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  export UV_PYTHON_DOWNLOADS=never
  # The build tools first: pyscard comes as source and is built in .venv, with them.
  "$PY" scripts/locked_requirement.py setuptools wheel swig > .venv/build-requirements.txt
  .venv/bin/uv pip install -q --python .venv/bin/python --require-hashes --no-deps -r .venv/build-requirements.txt
  .venv/bin/uv pip sync -q --python .venv/bin/python --require-hashes --no-build-isolation requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps --no-build-isolation -e .
  rm -f .venv/.installed-*
  touch "$stamp"
else
  echo "requirements.lock and pyproject.toml unchanged since the last install"
fi

stage "fonts"
if [ ! -f "$FONT" ]; then
  echo "the Chinese font $FONT is missing (package fonts-wqy-microhei): receipts and PDF reports need it" >&2
  exit 1
fi
echo "$FONT"
stage_end
