#!/bin/bash
# Entrypoint of dbuilder-example/mariadb: the part of the official mariadb
# image's entrypoint that tests rely on.
#
# First start (empty datadir): mariadb-install-db, then mariadbd runs an
# --init-file that sets the root password, creates root@'%', the optional
# database and user, before it accepts its first connection; so a client that
# can log in as root over TCP sees a fully initialized server. One server
# start, no temporary server.
set -eo pipefail
shopt -s nullglob

DATADIR=/var/lib/mysql
INIT_SQL=/run/mysqld/docker-init.sql

log() { printf '%s [Entrypoint]: %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# env_var NAME: MARIADB_NAME, else MYSQL_NAME, else the contents of the file
# that MARIADB_NAME_FILE / MYSQL_NAME_FILE name.
env_var() {
	local n v=""
	for n in "MARIADB_$1" "MYSQL_$1"; do
		if [ -n "${!n:-}" ]; then v=${!n}; break; fi
		local f="${n}_FILE"
		if [ -n "${!f:-}" ]; then v=$(<"${!f}"); break; fi
	done
	printf '%s' "$v"
}

# sql_str S: S as a single-quoted SQL string literal.
sql_str() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
# sql_id S: S as a backquoted SQL identifier.
# shellcheck disable=SC2016 # the backquotes are literal
sql_id() { printf '`%s`' "${1//\`/\`\`}"; }

# `docker run IMAGE --some-option` means mariadbd --some-option.
if [ "${1:0:1}" = - ]; then
	set -- mariadbd "$@"
fi

if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
	rm -f "$INIT_SQL"
	if [ "$(id -u)" = 0 ]; then
		mkdir -p /run/mysqld "$DATADIR"
		chown mysql:mysql /run/mysqld "$DATADIR"
		set -- "$@" --user=mysql
	fi

	if [ ! -d "$DATADIR/mysql" ]; then
		# As PID 1, bash would ignore `docker stop` until mariadbd runs.
		trap 'exit 143' TERM INT
		root_pw=$(env_var ROOT_PASSWORD)
		database=$(env_var DATABASE)
		user=$(env_var USER)
		password=$(env_var PASSWORD)
		allow_empty=$(env_var ALLOW_EMPTY_ROOT_PASSWORD)
		random=$(env_var RANDOM_ROOT_PASSWORD)
		if [ -z "$root_pw" ] && [ -z "$allow_empty" ] && [ -z "$random" ]; then
			die "the database is uninitialized and no root password option is given: set one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or MARIADB_RANDOM_ROOT_PASSWORD"
		fi
		if [ -n "$random" ] && [ -z "$root_pw" ]; then
			root_pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n' | head -c 24)
			log "GENERATED ROOT PASSWORD: $root_pw"
		fi
		if [ "$user" = root ]; then
			die "MARIADB_USER=root: root is set up by MARIADB_ROOT_PASSWORD"
		fi
		if [ -n "$user" ] && [ -z "$password" ]; then
			die "MARIADB_USER is set but MARIADB_PASSWORD is empty"
		fi
		case "$root_pw$password" in *$'\n'*) die "passwords must not contain a newline" ;; esac

		log "initializing the database in $DATADIR"
		mariadb-install-db --user=mysql --datadir="$DATADIR" \
			--auth-root-authentication-method=normal \
			--skip-test-db --skip-name-resolve --rpm >/dev/null \
			|| die "mariadb-install-db failed"

		# --init-file runs one statement per line, before connections are
		# accepted; root@'%' comes last, so a root login over TCP means "ready".
		{
			echo "SET @@SESSION.SQL_LOG_BIN=0;"
			echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1', root@$(sql_str "$(hostname)");"
			echo "DROP USER IF EXISTS ''@'localhost', ''@$(sql_str "$(hostname)");"
			echo "ALTER USER root@localhost IDENTIFIED BY $(sql_str "$root_pw");"
			if [ -n "$database" ]; then
				echo "CREATE DATABASE IF NOT EXISTS $(sql_id "$database");"
			fi
			if [ -n "$user" ]; then
				echo "CREATE USER $(sql_str "$user")@'%' IDENTIFIED BY $(sql_str "$password");"
				if [ -n "$database" ]; then
					echo "GRANT ALL ON $(sql_id "$database").* TO $(sql_str "$user")@'%';"
				fi
			fi
			echo "CREATE USER root@'%' IDENTIFIED BY $(sql_str "$root_pw");"
			echo "GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
		} >"$INIT_SQL"
		chown mysql:mysql "$INIT_SQL" 2>/dev/null || true
		chmod 0600 "$INIT_SQL"
		set -- "$@" --init-file="$INIT_SQL"
		log "database initialized; starting the server"
		trap - TERM INT
	fi
fi

exec "$@"
