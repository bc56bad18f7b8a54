#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so that the tests use a real
# OS keychain (Secret Service) exactly as the product does on a Linux desktop. Needs the Debian packages
# dbus, gnome-keyring and libsecret-tools (.ci/run installs them).
#
# Everything the keyring touches is private to this run: a throwaway HOME and XDG_RUNTIME_DIR are set
# before the bus starts, so that a daemon the bus activates on its own (should the first one ever leave)
# can neither share another run's keyring nor the real user's. The daemon runs in the foreground as a
# child of this script, so it lives exactly as long as the command, and the command starts only once the
# daemon owns org.freedesktop.secrets on the bus.
set -euo pipefail
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "with-keyring: install dbus and gnome-keyring first (apt-get install -y dbus gnome-keyring libsecret-tools)" >&2
  exit 1
fi
HOME="$(mktemp -d)"
XDG_RUNTIME_DIR="$HOME/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
export HOME XDG_RUNTIME_DIR
unset GNOME_KEYRING_CONTROL DBUS_SESSION_BUS_ADDRESS
exec dbus-run-session -- bash -c '
  set -euo pipefail
  printf "odoo-mcp-test" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null || true" EXIT
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      break
    fi
    kill -0 "$daemon" 2>/dev/null || { echo "with-keyring: gnome-keyring-daemon exited before it started" >&2; exit 1; }
    sleep 0.1
  done
  export GNOME_KEYRING_CONTROL="$XDG_RUNTIME_DIR/keyring"
  status=0
  "$@" || status=$?
  exit "$status"
' with-keyring "$@"
