#!/bin/sh
# Installs the Debian packages the service/notification tests need on a fresh machine:
#   systemd        -> systemd-analyze verify --user (the rendered unit is checked in a test)
#   libnotify-bin  -> notify-send (what node-notifier runs on Linux)
#   dunst, xvfb    -> a real notification daemon on a private display
#   dbus           -> dbus-run-session, a private session bus
#   zsh, fish      -> `eval "$(gwctl env)"` / `gwctl env | source` checked in real shells
#   tmux           -> a real terminal for `gwctl ui` (test/ui: send-keys, capture-pane)
#   python3        -> the helper that uses up a uid's inotify watches (test/trust/exhausted-watches)
# Idempotent and quiet: does nothing when every package is already installed; runs
# `apt-get update` at most once. Needs root (or sudo) and a Debian/Ubuntu machine.
set -eu
pkgs="systemd libnotify-bin dunst xvfb dbus zsh fish tmux python3"

missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-apt: apt-get not found; install these packages yourself:$missing" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "ci-apt: need root to install:$missing" >&2; exit 1
  fi
fi

echo "ci-apt: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "ci-apt: apt-get failed (output above)" >&2
  exit 1
fi
