#!/usr/bin/env bash
# with-pcscd.sh COMMAND [ARG...]: run COMMAND with a PC/SC daemon. When none runs, start one in the
# foreground (in the background of this script), wait until it takes requests, run COMMAND, and stop the
# daemon this script started when COMMAND ends (by its process id; a pcscd that was already running, a
# system service's, is left alone). Exits with COMMAND's exit code. ./run-desk runs the desk through it.
# $OUTLET_DESK_PCSCD names another daemon binary (the tests use a stand-in).
set -uo pipefail
PCSCD=${OUTLET_DESK_PCSCD:-/usr/sbin/pcscd}
started=""
as_root=()  # how this script signals the daemon: itself as root, else through sudo (which started it)
stop_started() {
  if [ -n "$started" ] && "${as_root[@]}" kill -0 "$started" 2>/dev/null; then
    "${as_root[@]}" kill "$started" 2>/dev/null
    for _ in $(seq 50); do "${as_root[@]}" kill -0 "$started" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -x "$PCSCD" ] && ! pgrep -x "$(basename "$PCSCD")" >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    "$PCSCD" --foreground &
    started=$!
  elif sudo -v; then  # the password asked here, in the foreground
    sudo "$PCSCD" --foreground &  # sudo passes the TERM it is sent on to the daemon
    started=$!
    as_root=(sudo)
  fi
  for _ in $(seq 50); do  # ready when its socket exists (at most 5 s; the desk copes with a late reader)
    [ -S /run/pcscd/pcscd.comm ] && break
    [ -n "$started" ] && "${as_root[@]}" kill -0 "$started" 2>/dev/null || { started=""; break; }
    sleep 0.1
  done
fi
"$@"
