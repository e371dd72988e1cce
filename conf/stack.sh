#!/usr/bin/env bash
#
# The local stack for development (`make run`) and tests (`make test`):
# a private PostgreSQL 15 cluster under a state directory, migrations,
# demo data and the Kore server.  Nothing here touches the system cluster.
#
#   conf/stack.sh DIR PORT db-up       create (once) and start the cluster,
#                                       migrate, write DIR/env
#   conf/stack.sh DIR PORT db-down     stop the cluster
#   conf/stack.sh DIR PORT seed        load the demo data (once)
#   conf/stack.sh DIR PORT run HTTP    db-up, seed, the central simulator
#                                       on 127.0.0.1:8099 (control 8098),
#                                       then Kore in the foreground on
#                                       127.0.0.1:HTTP
#
# DIR holds pg/ (data, socket, log), secrets (0600) and env, a file of
# KITAS_* variables that the server, kitasctl and the tests read.
# PostgreSQL refuses to run as root, so as root it runs as `postgres`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
DIR=$(mkdir -p "$1" && cd "$1" && pwd)
PGPORT=$2
CMD=$3
PGDATA=$DIR/pg/data
PGSOCK=$DIR/pg/sock

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The postgres user must be able to reach DIR.  A clone under a private
# home directory would stop it, so give the path (only) search permission.
open_path() {
	local d=$DIR
	[ "$(id -u)" = 0 ] || return 0
	while [ "$d" != / ]; do
		if ! runuser -u postgres -- test -x "$d"; then
			echo "stack: allowing postgres to traverse $d" >&2
			chmod o+x "$d"
		fi
		d=$(dirname "$d")
	done
}

secret() {
	head -c 24 /dev/urandom | base64 | tr -d '/+='
}

write_env() {
	# shellcheck disable=SC1091
	. "$DIR/secrets"
	umask 077
	cat >"$DIR/env" <<EOF
export KITAS_DB='host=$PGSOCK port=$PGPORT dbname=kitas user=kitas_app password=$APP_PW gssencmode=disable connect_timeout=2 application_name=kitas'
export KITAS_DB_ADMIN='host=$PGSOCK port=$PGPORT dbname=kitas user=kitas password=$OWNER_PW gssencmode=disable application_name=kitasctl'
export PGHOST='$PGSOCK' PGPORT='$PGPORT' PGDATABASE=kitas PGUSER=kitas PGPASSWORD='$OWNER_PW'
export KITAS_STATE_DIR='$DIR'
export KITAS_VAULT_KEYS='$DIR/vault.keys'
export KITAS_EXCHANGE_KEY='$DIR/exchange.key'
export KITAS_PERMIT_KEYS='$DIR/permit.keys'
EOF
}

db_init() {
	[ -f "$PGDATA/PG_VERSION" ] && return 0
	open_path
	mkdir -p "$DIR/pg"
	umask 077
	[ -f "$DIR/secrets" ] || printf 'OWNER_PW=%s\nAPP_PW=%s\n' \
	    "$(secret)" "$(secret)" >"$DIR/secrets"
	# shellcheck disable=SC1091
	. "$DIR/secrets"
	mkdir -p "$PGSOCK"
	printf '%s\n' "$OWNER_PW" >"$DIR/pg/pwfile"
	[ "$(id -u)" = 0 ] && chown -R postgres "$DIR/pg"
	as_pg "$PGBIN/initdb" -D "$PGDATA" -U kitas --pwfile="$DIR/pg/pwfile" \
	    --auth=scram-sha-256 --data-checksums -E UTF8 --locale=C.UTF-8 \
	    >"$DIR/pg/initdb.log"
	rm -f "$DIR/pg/pwfile"
	cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PGSOCK'
port = $PGPORT
fsync = on
max_connections = 100
shared_buffers = 256MB
log_min_messages = warning
jit = off
EOF
}

db_start() {
	if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$DIR/pg/log" -w -t 60 \
		    start >/dev/null
	fi
}

db_migrate() {
	write_env
	# shellcheck disable=SC1091
	. "$DIR/env"
	psql -qtAX -d postgres -c "SELECT 1 FROM pg_database WHERE datname='kitas'" |
	    grep -q 1 || psql -qX -d postgres -c 'CREATE DATABASE kitas'
	"$ROOT/kitasctl" migrate
	[ -f "$DIR/vault.keys" ] || "$ROOT/kitasctl" vault-key >/dev/null
	[ -f "$DIR/exchange.key" ] ||
	    "$ROOT/kitasctl" exchange-key kitas-server-1 >"$DIR/exchange.pub"
	# A database without a published permit key gets one (a key file
	# kept from an earlier cluster keeps its old keys, unpublished).
	[ "$(psql -qtAX -c 'SELECT count(*) FROM permit_keys')" != 0 ] ||
	    "$ROOT/kitasctl" keys rotate >/dev/null
	# The app role is created by the migrations without a password; here
	# it gets this cluster's one.  psql quotes the variable itself.
	. "$DIR/secrets"
	psql -qX -v pw="$APP_PW" <<'EOF'
ALTER ROLE kitas_app WITH LOGIN PASSWORD :'pw';
EOF
}

case $CMD in
db-up)
	db_init
	db_start
	db_migrate
	;;
db-down)
	if [ -f "$PGDATA/PG_VERSION" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
seed)
	. "$DIR/env"
	psql -qX -v ON_ERROR_STOP=1 -f "$ROOT/assets/demo/seed.sql"
	;;
run)
	HTTP=$4
	# Everything it started stops with it, a failed migration or seed
	# included.
	stop() {
		trap - INT TERM EXIT
		[ -n "${KPID:-}" ] && kill -TERM "$KPID" 2>/dev/null && wait "$KPID" || true
		[ -n "${SPID:-}" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" || true
		[ -n "${MPID:-}" ] && kill -TERM "$MPID" 2>/dev/null && wait "$MPID" || true
		"$0" "$DIR" "$PGPORT" db-down
	}
	trap stop INT TERM EXIT
	db_init
	db_start
	db_migrate
	. "$DIR/env"
	psql -qX -v ON_ERROR_STOP=1 -f "$ROOT/assets/demo/seed.sql"
	# Demo staff get a known password, in development only; applicants
	# register themselves at /register.
	DEMO_PW=${KITAS_DEMO_PASSWORD:-kitas-demo-2026}
	for e in $(psql -qtAX -c "SELECT email FROM accounts WHERE role IN
	    ('officer', 'supervisor') AND password_hash IS NULL ORDER BY email"); do
		echo "$DEMO_PW" | "$ROOT/kitasctl" user password "$e" >/dev/null
	done
	echo
	echo "Demo accounts (staff sign in at /login with password $DEMO_PW):"
	psql -qtAX -F '  ' -c "SELECT '  ' || rpad(role::text, 11), email,
	    coalesce((SELECT name FROM offices o WHERE o.id = a.office_id), '')
	    FROM accounts a ORDER BY role, email"
	echo "Demo cases to look up at http://127.0.0.1:$HTTP/ :"
	psql -qtAX -F '  ' -c "SELECT '  ' || c.reference, p.passport_no,
	    c.state FROM cases c JOIN applicants p ON p.id = c.applicant_id
	    ORDER BY c.id LIMIT 8"
	echo
	conf=$DIR/kore.conf
	sed -e "s/^\(\s*bind\s\+\S\+\s\+\)8080/\1$HTTP/" \
	    -e "s|^pidfile.*|pidfile $DIR/kore.pid|" \
	    "$ROOT/conf/dev.conf" >"$conf"
	cd "$ROOT"
	[ -d tests/node_modules ] ||
	    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
	SIM_PORT=${CENTRAL_SIM_PORT:-8099}
	SIM_CONTROL=${CENTRAL_SIM_CONTROL_PORT:-8098}
	node tests/central-sim/server.js --port "$SIM_PORT" \
	    --control-port "$SIM_CONTROL" >"$DIR/central-sim.log" 2>&1 &
	SPID=$!
	export KITAS_CENTRAL_URL=${KITAS_CENTRAL_URL:-http://127.0.0.1:$SIM_PORT/clearance/v1/batch}
	MAIL_PORT=${MAIL_SINK_PORT:-2525}
	node tests/mail-sink/server.js --port "$MAIL_PORT" \
	    --out "$DIR/mail.jsonl" >"$DIR/mail-sink.log" 2>&1 &
	MPID=$!
	export KITAS_SMTP_URL=${KITAS_SMTP_URL:-smtp://127.0.0.1:$MAIL_PORT}
	export KITAS_PUBLIC_URL=${KITAS_PUBLIC_URL:-http://127.0.0.1:$HTTP}
	echo "Mail goes to a local sink: every message is a line of $DIR/mail.jsonl" 
	echo "Central simulator on 127.0.0.1:$SIM_PORT; switch it with e.g."
	echo "  curl -s -X POST 127.0.0.1:$SIM_CONTROL/mode -d '{\"mode\":\"refused\"}'"
	echo "  curl -s -X POST 127.0.0.1:$SIM_CONTROL/mode -d '{\"mode\":\"up\"}'"
	echo "(tests/central-sim/README.md lists every mode)"
	# Plain HTTP on loopback: a Secure cookie would never come back.
	export KITAS_COOKIE_SECURE=${KITAS_COOKIE_SECURE:-no}
	echo "Serving on http://127.0.0.1:$HTTP/ (Ctrl-C stops everything)"
	setsid kore -c "$conf" -f -n -r &
	KPID=$!
	wait "$KPID" || true
	;;
*)
	echo "usage: $0 DIR PORT db-up|db-down|seed|run HTTP" >&2
	exit 2
	;;
esac
