#!/bin/sh
# Installs Hotline on a Debian 12/13 server: run as root from a checkout,
#   sh deploy/install.sh
# Idempotent: run again (or after editing /etc/hotline/hotline.env) it changes
# nothing that is already right and never replaces keys or the database.
# HOTLINE_NO_SYSTEMD=1 installs everything but does not enable the units (a chroot).
set -eu
SOURCE=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${HOTLINE_PREFIX:-/opt/hotline}
DATA=/var/lib/hotline

apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-venv nginx tor fonts-dejavu-core poppler-utils >/dev/null

# The service user: no shell, no home of its own beyond the data folder.
getent group hotline >/dev/null || groupadd --system hotline
getent passwd hotline >/dev/null || useradd --system --gid hotline --home-dir "$DATA" \
  --shell /usr/sbin/nologin hotline
# nginx joins the group to reach gunicorn's sockets in /run/hotline.
id -nG www-data | grep -qw hotline || usermod -a -G hotline www-data

install -d -m 0755 "$PREFIX" /etc/hotline
install -d -m 0750 -o hotline -g hotline "$DATA"
install -d -m 0700 -o hotline -g hotline "$DATA/keys" "$DATA/backups"

# The application: its source copied, installed into its own virtual environment.
rm -rf "$PREFIX/app.new"
mkdir -p "$PREFIX/app.new"
(cd "$SOURCE" && tar --exclude=.venv --exclude=.git --exclude=instance --exclude=keys -cf - .) \
  | tar -C "$PREFIX/app.new" -xf -
rm -rf "$PREFIX/app" && mv "$PREFIX/app.new" "$PREFIX/app"
[ -x "$PREFIX/venv/bin/python" ] || python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install -q "$PREFIX/app"

[ -f /etc/hotline/hotline.env ] || install -m 0640 -g hotline "$SOURCE/deploy/systemd/hotline.env" /etc/hotline/hotline.env

# Schema, keys and the first administrator; the recovery words go to a file
# only root reads: move it offline, then delete it. A second run changes nothing.
if [ ! -f "$DATA/keys/pepper" ]; then
  umask 077
  (set -a && . /etc/hotline/hotline.env && cd "$DATA" && \
    runuser -u hotline -- "$PREFIX/venv/bin/hotline" init --recovery-file "$DATA/recovery.tmp") \
    > /root/hotline-first-admin.txt
  mv "$DATA/recovery.tmp" /root/hotline-recovery-words.txt
  chown root:root /root/hotline-recovery-words.txt
  echo "First administrator: /root/hotline-first-admin.txt; recovery words: /root/hotline-recovery-words.txt (move offline)"
  echo "Once the first officers are made, split the words (one share per receiving unit), then destroy them:"
  echo "  hotline recovery split --recovery-file /root/hotline-recovery-words.txt --shares 3 --needed 2 DIR"
else
  (set -a && . /etc/hotline/hotline.env && cd "$DATA" && \
    runuser -u hotline -- "$PREFIX/venv/bin/hotline" init) >/dev/null
fi

install -m 0644 "$SOURCE"/deploy/systemd/hotline-*.service "$SOURCE"/deploy/systemd/hotline-*.timer /etc/systemd/system/
install -m 0644 "$SOURCE/deploy/nginx/hotline-proxy.conf" /etc/nginx/snippets/hotline-proxy.conf
[ -f /etc/nginx/sites-available/hotline ] || install -m 0644 "$SOURCE/deploy/nginx/hotline.conf" /etc/nginx/sites-available/hotline
ln -sf ../sites-available/hotline /etc/nginx/sites-enabled/hotline
rm -f /etc/nginx/sites-enabled/default
install -d /etc/tor/torrc.d
install -m 0644 "$SOURCE/deploy/tor/torrc" /etc/tor/torrc.d/hotline.conf
grep -q '^%include /etc/tor/torrc.d' /etc/tor/torrc || echo '%include /etc/tor/torrc.d/*.conf' >> /etc/tor/torrc

if [ "${HOTLINE_NO_SYSTEMD:-0}" != 1 ]; then
  systemctl daemon-reload
  systemctl enable --now hotline-web.service hotline-notify.service hotline-purge.timer hotline-backup.timer hotline-verify.timer
  systemctl reload-or-restart tor nginx
fi
echo "Hotline installed in $PREFIX, data in $DATA."
