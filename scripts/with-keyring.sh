#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so that the tests use a real
# OS keychain (Secret Service) exactly as the product does on a Linux desktop. Needs the Debian packages
# dbus, gnome-keyring and libsecret-tools (.ci/run installs them).
#
# Everything the keyring touches is private to this run: a throwaway HOME and XDG_RUNTIME_DIR, set before the bus
# starts. The bus knows one service, this script's own: the daemon, unlocked, in the foreground. It is started here
# and the command starts only once it owns org.freedesktop.secrets; should it leave the bus, the bus starts it again
# unlocked on the same keyring. (The bus's default configuration activated the system's service instead: a locked
# daemon that asked for a password with a prompt no one could answer — the kill and load tests' "no OS keychain".)
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
cat > "$HOME/session.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>SERVICEDIR</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
# Should the daemon ever leave the bus mid-run, the bus starts it again the same way, unlocked with the same password,
# on the same keyring files under this HOME: the secrets stored so far are still there.
mkdir -p "$HOME/services"
sed -i "s|SERVICEDIR|$HOME/services|" "$HOME/session.conf"
cat > "$HOME/start-keyring.sh" <<START
#!/bin/sh
printf "odoo-mcp-test" | exec gnome-keyring-daemon --foreground --unlock --components=secrets
START
chmod +x "$HOME/start-keyring.sh"
printf "[D-BUS Service]\nName=org.freedesktop.secrets\nExec=%s\n" "$HOME/start-keyring.sh" > "$HOME/services/org.freedesktop.secrets.service"
exec dbus-run-session --config-file="$HOME/session.conf" -- bash -c '
  set -euo pipefail
  printf "odoo-mcp-test" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  daemon=$!
  trap "kill $daemon 2>/dev/null || true" EXIT
  owned() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"
  }
  waited=0
  until owned; do
    kill -0 "$daemon" 2>/dev/null || { echo "with-keyring: gnome-keyring-daemon exited before it started" >&2; exit 1; }
    if [ "$waited" -ge 1200 ]; then
      echo "with-keyring: gnome-keyring-daemon did not take org.freedesktop.secrets within 120 s" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  export GNOME_KEYRING_CONTROL="$XDG_RUNTIME_DIR/keyring"
  status=0
  "$@" || status=$?
  exit "$status"
' with-keyring "$@"
