#!/bin/sh
# install.sh DESTDIR VERSION: the package's one command, which prints its
# version (debian/rules and dbtest-upgrade.spec both call this).
set -eu
mkdir -p "$1/usr/bin"
printf '#!/bin/sh\necho "dbtest-upgrade %s"\n' "$2" >"$1/usr/bin/dbtest-upgrade"
chmod 755 "$1/usr/bin/dbtest-upgrade"
