#!/usr/bin/env bash
#
# The whole suite, as `make test` runs it: C unit tests (cmocka, built with
# ASan/UBSan), the database rules (pgTAP), and end-to-end tests against the
# real Kore server (node:test, Chromium through playwright-core).  It starts
# its own PostgreSQL cluster under var/test (fresh every run) and its own
# Kore on 127.0.0.1:$TEST_HTTP_PORT, so it works while `make run` is up,
# and stops everything it started, also on failure or Ctrl-C.
#
# Every layer writes TAP into var/test/out/; the last line counts them:
# "N passed, N failed".  TEST_LAYERS="unit sql" runs a subset.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
STATE=var/test
OUT=$STATE/out
PGPORT_TEST=${TEST_PG_PORT:-5434}
HTTP=${TEST_HTTP_PORT:-18080}
LAYERS=${TEST_LAYERS:-unit fuzz sql e2e}
STACK="conf/stack.sh $STATE $PGPORT_TEST"

# One run at a time per checkout: a second one waits for the first
# (both would use var/test and the same ports).
mkdir -p var
exec 9>var/test.lock
if ! flock -n 9; then
	echo "waiting for another make test in this checkout to finish"
	flock 9
fi

KORE_PID=
SIM_PID=
SIM_PORT=${TEST_SIM_PORT:-18099}
SIM_CONTROL=${TEST_SIM_CONTROL_PORT:-18098}
MAIL_PORT=${TEST_MAIL_PORT:-18025}
MAIL_PID=
cleanup() {
	if [ -n "$MAIL_PID" ]; then
		kill -TERM "$MAIL_PID" 2>/dev/null || true
		wait "$MAIL_PID" 2>/dev/null || true
	fi
	if [ -n "$SIM_PID" ]; then
		kill -TERM "$SIM_PID" 2>/dev/null || true
		wait "$SIM_PID" 2>/dev/null || true
	fi
	# Drill instances started by the tests write their pidfiles here.
	for f in "$STATE"/drill-*.pid; do
		[ -f "$f" ] && kill -KILL -- -"$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
	if [ -n "$KORE_PID" ] && kill -0 "$KORE_PID" 2>/dev/null; then
		kill -TERM "$KORE_PID"
		for _ in $(seq 50); do
			kill -0 "$KORE_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- -"$KORE_PID" 2>/dev/null || true
	fi
	$STACK db-down >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT"

say() { printf '\n== %s\n' "$*"; }

# --- unit -------------------------------------------------------------
unit() {
	say "unit (cmocka, ASan/UBSan)"
	local t rc=0
	for t in build/unit/*_test; do
		CMOCKA_MESSAGE_OUTPUT=TAP ASAN_OPTIONS=detect_leaks=1 "$t" \
		    >>"$OUT/unit.tap" 2>>"$OUT/unit.err" || rc=1
	done
	[ $rc -eq 0 ] || grep -qE '^not ok ' "$OUT/unit.tap" ||
	    echo "not ok - a unit test binary crashed" >>"$OUT/unit.tap"
	cat "$OUT/unit.tap"
	# A sanitizer report or a crash must not pass unnoticed.
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$OUT/unit.err" >/dev/null; then
		cat "$OUT/unit.err"
		echo "not ok - sanitizer report in unit tests" >>"$OUT/unit.tap"
	fi
}

# --- fuzz -----------------------------------------------------------------
# A short libFuzzer run of each harness in tests/fuzz (FUZZ_SECONDS each);
# the long run is documented at the top of each harness.
fuzz() {
	say "fuzz (libFuzzer, ${FUZZ_SECONDS:-15} s each)"
	local h name bin extra
	mkdir -p build/fuzz
	for h in tests/fuzz/*_fuzz.c; do
		name=$(basename "$h" .c)
		bin=build/fuzz/$name
		case $name in
		sig_fuzz) extra="src/sf.c src/sig.c src/digest.c" ;;
		xml_fuzz) extra="src/xml.c src/clr.c" ;;
		*) extra="" ;;
		esac
		# shellcheck disable=SC2086
		if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
		    $(pkg-config --cflags libsodium libxml-2.0) $extra "$h" \
		    $(pkg-config --libs libsodium libxml-2.0 libcurl) -o "$bin" \
		    >"$OUT/$name.build" 2>&1; then
			cat "$OUT/$name.build"
			echo "not ok - $name does not build" >>"$OUT/fuzz.tap"
			continue
		fi
		mkdir -p "$OUT/$name.corpus"
		if UBSAN_OPTIONS=halt_on_error=1 "$bin" -max_len=10000 \
		    -max_total_time="${FUZZ_SECONDS:-15}" "$OUT/$name.corpus" \
		    tests/vectors/xml >"$OUT/$name.log" 2>&1; then
			echo "ok - $name: $(grep -o 'Done [0-9]* runs' "$OUT/$name.log")" \
			    >>"$OUT/fuzz.tap"
		else
			tail -30 "$OUT/$name.log"
			echo "not ok - $name found a crash (see $OUT/$name.log)" \
			    >>"$OUT/fuzz.tap"
		fi
	done
	cat "$OUT/fuzz.tap"
}

# --- the stack ----------------------------------------------------------
start_db() {
	say "PostgreSQL cluster ($STATE, fresh)"
	$STACK db-down >/dev/null 2>&1 || true
	rm -rf "$STATE/pg" "$STATE/secrets" "$STATE/env" "$STATE/permit.keys"
	if ! $STACK db-up >"$OUT/db-up.log" 2>&1; then
		cat "$OUT/db-up.log"
		echo "not ok - the test cluster did not come up" >"$OUT/stack.tap"
		return 1
	fi
	# shellcheck disable=SC1091
	. "$STATE/env"
	psql -qX -c 'CREATE EXTENSION IF NOT EXISTS pgtap' >/dev/null
}

start_kore() {
	local conf=$STATE/kore.conf i
	sed -e "s/^\(\s*bind\s\+\S\+\s\+\)8080/\1$HTTP/" \
	    -e "s|^pidfile.*|pidfile $STATE/kore.pid|" conf/dev.conf >"$conf"
	KITAS_CENTRAL_URL= setsid stdbuf -oL kore -c "$conf" -f -n -r \
	    >"$OUT/kore.log" 2>&1 &
	KORE_PID=$!
	for i in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$HTTP/healthz" && return 0
		sleep 0.1
	done
	cat "$OUT/kore.log"
	echo "not ok - kore did not start" >"$OUT/stack.tap"
	return 1
}

# --- sql ----------------------------------------------------------------
sql() {
	say "database rules (pgTAP)"
	(cd tests/sql && pg_prove --verbose --ext .sql ./*.sql) \
	    >"$OUT/sql.tap" 2>&1 ||
	    echo "not ok - pg_prove failed (a file died or missed its plan)" \
	    >>"$OUT/sql.tap"
	cat "$OUT/sql.tap"
}

# --- e2e ----------------------------------------------------------------
e2e() {
	say "end to end (Kore on :$HTTP, Chromium)"
	if [ ! -d tests/node_modules ] ||
	    [ tests/package-lock.json -nt tests/node_modules ]; then
		(cd tests && npm ci --no-audit --no-fund --loglevel=error) ||
		    { echo "not ok - npm ci" >"$OUT/e2e.tap"; return; }
	fi
	$STACK seed >/dev/null
	node tests/central-sim/server.js --port "$SIM_PORT" \
	    --control-port "$SIM_CONTROL" >"$OUT/central-sim.log" 2>&1 &
	SIM_PID=$!
	node tests/mail-sink/server.js --port "$MAIL_PORT" \
	    --out "$OUT/mail.jsonl" >"$OUT/mail-sink.log" 2>&1 &
	MAIL_PID=$!
	export KITAS_SMTP_URL=smtp://127.0.0.1:$MAIL_PORT
	export KITAS_PUBLIC_URL=http://127.0.0.1:$HTTP
	# This Kore serves pages; the drills start their own dispatchers.
	start_kore || return
	# TEST_E2E="auth central" runs only those files.
	local files="" f
	for f in ${TEST_E2E:-skeleton browser auth portal journey permit office link referral biometrics search admin mail exchange feed exchange2 batch central restart}; do
		files="$files tests/e2e/$f.test.mjs"
	done
	# shellcheck disable=SC2086
	KITAS_URL=http://127.0.0.1:$HTTP KITAS_STATE_DIR=$STATE \
	    SIM_URL=http://127.0.0.1:$SIM_PORT \
	    SIM_CONTROL=http://127.0.0.1:$SIM_CONTROL \
	    MAIL_OUT=$OUT/mail.jsonl \
	    timeout --kill-after=10 "${E2E_TIMEOUT:-1200}" \
	    node --test --test-concurrency=1 --test-reporter=tap $files \
	    >"$OUT/e2e.tap" 2>&1 ||
	    grep -qE '^not ok ' "$OUT/e2e.tap" ||
	    echo "not ok - node --test failed" >>"$OUT/e2e.tap"
	# Each result on a line; a failure with its whole YAML block (the
	# message, expected, actual, where), so a CI log alone explains it.
	awk '/^ *not ok /	{ n = 0; fail = 1 }
	    /^(ok|not ok) /	{ print }
	    fail && n++ < 40 && !/^(ok|not ok) /	{ print }
	    /^ *\.\.\.$/	{ fail = 0 }' "$OUT/e2e.tap" | head -400
	# A worker that died (a seccomp kill, a crash) fails the run even if
	# Kore restarted it and every request was answered.
	if grep -E 'sandbox violation|\) gone' "$OUT/kore.log" >/dev/null; then
		grep -E 'sandbox violation|\) gone' "$OUT/kore.log"
		echo "not ok - a kore worker died" >>"$OUT/e2e.tap"
	fi
	# A seccomp kill of a worker's main thread alone leaves a zombie
	# that Kore never reaps nor logs (kore/app.c).
	if ps --ppid "$KORE_PID" -o stat= 2>/dev/null | grep -q '^Z'; then
		echo "not ok - a kore worker's main thread was killed" \
		    >>"$OUT/e2e.tap"
	fi
}

DB_UP=
for layer in $LAYERS; do
	case $layer in
	unit) unit ;;
	fuzz) fuzz ;;
	sql|e2e)
		if [ -z "$DB_UP" ]; then
			start_db || break
			DB_UP=1
		fi
		$layer
		;;
	*) echo "unknown layer $layer" >&2; exit 2 ;;
	esac
done

# Count top-level TAP results of every layer (subtests are indented).
passed=$(cat "$OUT"/*.tap 2>/dev/null | grep -cE '^ok ')
failed=$(cat "$OUT"/*.tap 2>/dev/null | grep -cE '^not ok ')
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
