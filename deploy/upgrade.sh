#!/bin/sh
# Upgrades an installation made by install.sh: stop, back up, install, migrate, start.
#   sh deploy/upgrade.sh      (as root, from the new release's checkout)
# HOTLINE_NO_SYSTEMD=1 leaves the services alone (a chroot, or stop them yourself).
set -eu
SOURCE=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${HOTLINE_PREFIX:-/opt/hotline}
DATA=/var/lib/hotline
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

# The long-running services that run now (poll-imap only where e-mail is
# polled) are stopped, and started again afterwards: none is left off.
RUNNING=""
if [ "${HOTLINE_NO_SYSTEMD:-0}" != 1 ]; then
  for unit in hotline-web.service hotline-notify.service hotline-poll-imap.service; do
    if systemctl is-active --quiet "$unit"; then RUNNING="$RUNNING $unit"; fi
  done
  [ -z "$RUNNING" ] || systemctl stop $RUNNING
fi
# A key-free copy of the database first; keys/ is never replaced (`hotline init`
# only adds a secret a new release needs).
(set -a && . /etc/hotline/hotline.env && cd "$DATA" && \
  runuser -u hotline -- "$PREFIX/venv/bin/hotline" backup "$DATA/backups/before-$STAMP")
echo "Backup: $DATA/backups/before-$STAMP"
# install.sh copies the release and runs `hotline init`, which migrates.
HOTLINE_NO_SYSTEMD=1 sh "$SOURCE/deploy/install.sh"
if [ "${HOTLINE_NO_SYSTEMD:-0}" != 1 ]; then
  systemctl daemon-reload
  [ -z "$RUNNING" ] || systemctl start $RUNNING
fi
