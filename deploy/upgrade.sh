#!/bin/sh
# Upgrades an installation made by install.sh: stop, back up, install, migrate, start.
#   sh deploy/upgrade.sh      (as root, from the new release's checkout)
# HOTLINE_NO_SYSTEMD=1 leaves the services alone (a chroot, or stop them yourself).
set -eu
SOURCE=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${HOTLINE_PREFIX:-/opt/hotline}
DATA=/var/lib/hotline
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

if [ "${HOTLINE_NO_SYSTEMD:-0}" != 1 ]; then
  systemctl stop hotline-web.service hotline-notify.service hotline-poll-imap.service 2>/dev/null || true
fi
# A key-free copy of the database first; keys/ is never touched by an upgrade.
(set -a && . /etc/hotline/hotline.env && cd "$DATA" && \
  runuser -u hotline -- "$PREFIX/venv/bin/hotline" backup "$DATA/backups/before-$STAMP")
echo "Backup: $DATA/backups/before-$STAMP"
# install.sh copies the release and runs `hotline init`, which migrates.
HOTLINE_NO_SYSTEMD=1 sh "$SOURCE/deploy/install.sh"
if [ "${HOTLINE_NO_SYSTEMD:-0}" != 1 ]; then
  systemctl daemon-reload
  systemctl start hotline-web.service hotline-notify.service
fi
