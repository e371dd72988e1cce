#!/usr/bin/env bash
#
# make bench [BENCH=name]: speed, each against a baseline measured in the
# same run on the same machine.  Every benchmark prints one line
#
#   bench <name> ours=<n> baseline=<n> unit=<u> ratio=<r> target=<t>
#
# with ratio oriented so that higher is better.  Nothing here is asserted
# by make test.  Runs on its own cluster (var/bench) and ports.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
STATE=var/bench
PGPORT_BENCH=${BENCH_PG_PORT:-5435}
ONLY=${1:-}
SECONDS_EACH=${BENCH_SECONDS:-10}
STACK="conf/stack.sh $STATE $PGPORT_BENCH"

[ -n "${BENCH_KEEP:-}" ] || trap '$STACK db-down >/dev/null 2>&1 || true' EXIT

$STACK db-down >/dev/null 2>&1 || true
rm -rf "$STATE/pg" "$STATE/secrets" "$STATE/env"
# Kore's logs and the generated scripts (the benchmarks write them here).
mkdir -p "$STATE/out"
$STACK db-up >/dev/null
$STACK seed >/dev/null
# shellcheck disable=SC1091
. "$STATE/env"
[ -d tests/node_modules ] ||
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)

line() {	# name ours baseline unit target [lower-is-better]
	awk -v n="$1" -v o="$2" -v b="$3" -v u="$4" -v t="$5" -v low="${6:-}" \
	    'BEGIN { r = (low == "") ? o / b : b / o;
	    printf "bench %s ours=%.1f baseline=%.1f unit=%s ratio=%.2f target=%s\n",
	    n, o, b, u, r, t }'
}

tps() {		# pgbench output -> tps
	sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1
}

# transition_sql: one command per transaction through case_apply() (lock,
# idempotency key, version check, transition lookup, update, event) vs a
# plain single-row insert, both with pgbench -c2 -j2.
bench_transition_sql() {
	local dir=$STATE/transition_sql ours base
	mkdir -p "$dir"
	psql -qX -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
INSERT INTO offices (code, name) VALUES ('BEN', 'Bench office');
INSERT INTO accounts (role, office_id, email, display_name)
    SELECT 'officer', id, 'bench@officer', 'Bench officer' FROM offices
    WHERE code = 'BEN';
INSERT INTO applicants (family_name, birth_date, sex, nationality,
    passport_no, passport_expiry)
    SELECT 'BENCH', '1980-01-01', 'X', 'NLD', 'BEN' || lpad(g::text, 6, '0'),
    '2035-01-01' FROM generate_series(1, 20000) g;
DO $$
DECLARE
	o	integer := (SELECT id FROM offices WHERE code = 'BEN');
	a	bigint := (SELECT id FROM accounts WHERE email = 'bench@officer');
	ap	record;
	r	case_result;
BEGIN
	FOR ap IN SELECT id FROM applicants WHERE family_name = 'BENCH' LOOP
		r := case_create(a, o, ap.id, 'E23', 1::smallint, 'regular',
		    'employer', '', '', NULL);
		r := case_apply(a, r.case_id, 'submit', 1, NULL);
	END LOOP;
END
$$;
CREATE TABLE bench_plain (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
VACUUM ANALYZE;
SQL
	local officer lo hi
	officer=$(psql -qtAX -c "SELECT id FROM accounts WHERE email = 'bench@officer'")
	lo=$(psql -qtAX -c "SELECT min(id) FROM cases WHERE office_id = (SELECT id FROM offices WHERE code = 'BEN')")
	hi=$(psql -qtAX -c "SELECT max(id) FROM cases WHERE office_id = (SELECT id FROM offices WHERE code = 'BEN')")
	cat >"$dir/ours.sql" <<SQL
\set cid random($lo, $hi)
SELECT case_apply($officer, c.id, CASE c.state WHEN 'submitted'
    THEN 'request_info' ELSE 'provide_info' END, c.version,
    'bench-' || gen_random_uuid()) FROM cases c WHERE c.id = :cid;
SQL
	cat >"$dir/base.sql" <<SQL
\set cid random($lo, $hi)
INSERT INTO bench_plain (case_id, payload) VALUES (:cid, '{}');
SQL
	ours=$(pgbench -n -c 2 -j 2 -T "$SECONDS_EACH" -f "$dir/ours.sql" 2>&1 | tps)
	base=$(pgbench -n -c 2 -j 2 -T "$SECONDS_EACH" -f "$dir/base.sql" 2>&1 | tps)
	line transition_sql "$ours" "$base" tps 0.5
}

case $ONLY in
''|transition_sql) bench_transition_sql ;;
esac
case $ONLY in
''|status_page|case_page)
	KITAS_STATE_DIR=$STATE node tests/bench/pages.mjs "$ONLY" ;;
esac
case $ONLY in
''|officer_command)
	KITAS_STATE_DIR=$STATE node tests/bench/office.mjs ;;
esac
case $ONLY in
''|queued_request)
	KITAS_STATE_DIR=$STATE node tests/bench/queue.mjs ;;
esac
case $ONLY in
''|payment_notice|sponsor_batch)
	KITAS_STATE_DIR=$STATE KITAS_URL=http://127.0.0.1:28083 \
	    node tests/bench/exchange.mjs "$ONLY" ;;
esac
case $ONLY in
''|drain*|status_p99_during_drain|worker_rss)
	KITAS_STATE_DIR=$STATE SIM_URL=http://127.0.0.1:28099 \
	    SIM_CONTROL=http://127.0.0.1:28098 node tests/bench/drain.mjs "$ONLY" ;;
esac
