#!/usr/bin/env bash
# Run a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring, so that
# keyring's SecretService back end is real and the tests that need it run instead of skipping.
#
#   bash .ci/keyring-session.sh .venv/bin/python -m pytest -q tests/test_credentials.py
#
# Needs: apt-get install -y --no-install-recommends gnome-keyring dbus   (not dbus-x11)
# The keyring lives in a fresh temporary HOME, removed afterwards: the machine's own keyring is
# never touched. Sets CT_TICKET_REQUIRE_KEYRING=1, so real-keyring tests fail rather than skip
# if the back end is not SecretService.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null; then
        echo "$0: $tool not found; apt-get install -y --no-install-recommends gnome-keyring dbus" >&2
        exit 127
    fi
done

keyring_home=$(mktemp -d "${TMPDIR:-/tmp}/ct-ticket-keyring.XXXXXX")

# gnome-keyring-daemon does not always exit with its D-Bus session (seen when the command is
# short), so stop whatever still runs with the throwaway HOME: only this script started those.
# shellcheck disable=SC2317  # called from the EXIT trap, which shellcheck does not follow
stop_leftovers() {
    local environ pid
    for environ in /proc/[0-9]*/environ; do
        pid=${environ#/proc/}
        pid=${pid%/environ}
        if tr '\0' '\n' 2>/dev/null <"$environ" | grep -qxF "HOME=$keyring_home"; then
            kill "$pid" 2>/dev/null || true
        fi
    done
}
trap 'stop_leftovers; rm -rf "$keyring_home"' EXIT

# The environment (PATH, VIRTUAL_ENV, ...) passes through dbus-run-session unchanged; only the
# per-user locations are pointed into the throwaway HOME, so neither gnome-keyring nor the app
# writes into the real one. PYTHON_KEYRING_BACKEND would make keyring skip SecretService.
export KEYRING_SESSION_HOME="$keyring_home"
export CT_TICKET_REQUIRE_KEYRING=1
unset PYTHON_KEYRING_BACKEND
if [ -n "${VIRTUAL_ENV:-}" ]; then
    export PATH="$VIRTUAL_ENV/bin:$PATH"
fi

# dbus-daemon warns "Failed to set fd limit" on every start where the sandbox forbids it;
# that line is noise, everything else on stderr is kept (fd 3 carries stdout past the filter).
set +e  # the command's own exit status is ours; take it from PIPESTATUS below
{
    # shellcheck disable=SC2016  # single quotes on purpose: the inner bash expands these
    dbus-run-session -- bash -c '
        set -euo pipefail
        export HOME="$KEYRING_SESSION_HOME"
        unset KEYRING_SESSION_HOME
        export XDG_RUNTIME_DIR="$HOME/run" XDG_DATA_HOME="$HOME/.local/share"
        export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
        export XDG_STATE_HOME="$HOME/.local/state"
        mkdir -m700 "$XDG_RUNTIME_DIR"
        # Creates the "login" collection with this password and unlocks it: no prompt, ever.
        echo -n ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        exec "$@"
    ' keyring-session "$@" 2>&1 1>&3 3>&- |
        { grep --line-buffered -v "Failed to set fd limit" || true; } >&2 3>&-
    status=${PIPESTATUS[0]}
} 3>&1
exit "$status"
