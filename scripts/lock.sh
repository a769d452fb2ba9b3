#!/usr/bin/env bash
# The dependency lock. requirements.lock pins every Python package that scripts/setup.sh installs (the
# runtime dependencies, the dev tools of the [dev] extra, and the tools of scripts/tools.in), each with an
# exact version and the sha256 of every file PyPI has for it. pyproject.toml keeps the ranges a library
# user needs; the lock is what this repository runs.
#
#   scripts/lock.sh            after editing pyproject.toml or scripts/tools.in: resolve again, keeping
#                              every pin that still fits (only what the edit needs changes)
#   scripts/lock.sh --upgrade  move every package to the newest release the ranges allow
#   scripts/lock.sh --check    exit 1, saying what differs, if requirements.lock no longer matches
#                              pyproject.toml and scripts/tools.in (./run-tests runs this; needs the index)
#
# It uses the locked uv of .venv (scripts/setup.sh puts it there). The resolution is universal (any OS and
# machine, Python >= 3.11), so one lock serves every developer's and CI's machine.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
compile() {  # compile OUTPUT [extra uv options]: OUTPUT's existing pins are kept where they still fit
  local output=$1; shift
  UV_PYTHON_DOWNLOADS=never "$UV" pip compile -q pyproject.toml scripts/tools.in --extra dev --generate-hashes \
    --universal --python-version 3.11 --custom-compile-command "scripts/lock.sh" -o "$output" "$@"
}
case "${1:-}" in
  "") compile requirements.lock ;;
  --upgrade) compile requirements.lock --upgrade ;;
  --check)
    scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
    cp requirements.lock "$scratch/requirements.lock"
    compile "$scratch/requirements.lock"
    if ! diff -u requirements.lock "$scratch/requirements.lock" >"$scratch/diff"; then
      echo "requirements.lock does not match pyproject.toml and scripts/tools.in; run scripts/lock.sh and commit it:" >&2
      cat "$scratch/diff" >&2
      exit 1
    fi
    echo "requirements.lock matches pyproject.toml and scripts/tools.in ($(grep -c '^[a-z0-9].*==' requirements.lock) packages)"
    ;;
  *) echo "usage: scripts/lock.sh [--upgrade | --check]" >&2; exit 2 ;;
esac
