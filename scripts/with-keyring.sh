#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so that the tests use a real
# OS keychain (Secret Service) exactly as the product does on a Linux desktop. Needs the Debian packages
# dbus, gnome-keyring and libsecret-tools (.ci/run installs them).
set -euo pipefail
if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
  echo "with-keyring: install dbus and gnome-keyring first (apt-get install -y dbus gnome-keyring libsecret-tools)" >&2
  exit 1
fi
exec dbus-run-session -- bash -c '
  set -euo pipefail
  # A throwaway keyring under a throwaway home: nothing touches the real user keyring.
  export HOME="$(mktemp -d)"
  eval "$(printf "odoo-mcp-test" | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  export GNOME_KEYRING_CONTROL
  "$@"
' with-keyring "$@"
