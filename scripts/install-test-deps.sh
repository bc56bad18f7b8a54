#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: a real OS keychain (GNOME Keyring on
# D-Bus), poppler-utils (PDF checks) and Chromium (the app windows, headless). Needs root or sudo; does nothing when all are present.
# Another install (unattended-upgrades, a second helper) may hold the package manager's lock: apt waits for it, up
# to APT_LOCK_WAIT_S seconds (default 600), saying so, instead of failing at once.
set -euo pipefail
need=()
command -v dbus-run-session >/dev/null || need+=(dbus)
command -v gnome-keyring-daemon >/dev/null || need+=(gnome-keyring)
command -v secret-tool >/dev/null || need+=(libsecret-tools)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing test dependencies: ${need[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
wait_s="${APT_LOCK_WAIT_S:-600}"
# apt-get waits for dpkg's frontend lock itself (DPkg::Lock::Timeout, apt ≥ 1.9.11); `update` takes the lists'
# lock, which that option does not cover: wait for it here.
lists_lock=/var/lib/apt/lists/lock
deadline=$((SECONDS + wait_s))
told=0
while command -v fuser >/dev/null && $sudo fuser "$lists_lock" >/dev/null 2>&1; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "install-test-deps: another package install still holds $lists_lock after ${wait_s} s; try again when it is done (or set APT_LOCK_WAIT_S)" >&2
    exit 1
  fi
  [ "$told" -eq 1 ] || echo "install-test-deps: another package install holds $lists_lock; waiting up to ${wait_s} s" >&2
  told=1
  sleep 2
done
apt() {
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$wait_s" "$@"; then
    echo "install-test-deps: apt-get $1 failed (if the package manager was busy: still busy after ${wait_s} s; set APT_LOCK_WAIT_S to wait longer)" >&2
    exit 1
  fi
}
apt update -qq
apt install -y -qq "${need[@]}" >/dev/null
