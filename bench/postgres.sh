# Sourced by the benches that run on PostgreSQL: starts a private cluster under $work/pg on
# 127.0.0.1:PORT (Debian's server; as root it runs as the postgres user, which PostgreSQL
# requires), creates the database `bench` and sets $database_url. Expects $work and a `pids`
# array; the cluster stops when the bench's EXIT trap removes $work... and pg_ctl stops it
# first (stop_postgres). Usage: start_postgres PORT
start_postgres() {
    local port=$1 bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -x "$bin/pg_ctl" ]] || { echo "bench: no PostgreSQL server (apt-get install postgresql)" >&2; return 1; }
    local as=()
    if [[ $(id -u) -eq 0 ]]; then as=(setpriv --reuid=postgres --regid=postgres --init-groups); chown postgres "$work"; fi
    pg_as=("${as[@]}")
    pg_bin=$bin
    "${as[@]}" "$bin/initdb" -D "$work/pg" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $port -k $work -c listen_addresses=127.0.0.1 ${pg_options:-}" start >/dev/null
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE bench" postgres
    database_url="postgres://postgres@127.0.0.1:$port/bench"
    pg_port=$port
}

stop_postgres() {
    [[ -n "${pg_bin:-}" ]] && "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
}
