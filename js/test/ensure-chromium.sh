#!/bin/sh
# The browser tests drive Debian's Chromium; install it on a fresh machine.
set -e
[ -x /usr/bin/chromium ] && exit 0
echo "installing Debian's chromium for the browser tests"
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
