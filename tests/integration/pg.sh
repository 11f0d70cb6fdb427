# pg.sh - a private, throw-away PostgreSQL server for tests and benchmarks.
# Source it, then:
#   pg_start [DIR]   initdb a cluster in DIR (default: a new temporary
#                    directory), start it listening on a unix socket in DIR
#                    and on 127.0.0.1 at a free port, create database
#                    `sipsnare`; sets and exports PG_DIR, PG_PORT, PG_URL
#                    (socket) and PG_TCP_URL. Returns non-zero (with the
#                    reason on stderr) when PostgreSQL is missing or fails.
#   pg_stop          stops it and removes PG_DIR; safe to call twice.
#   pg_psql ARGS...  psql on that database (tests check tables with it).
# Tests call pg_stop from their EXIT trap. initdb refuses to run as root, so
# as root the cluster belongs to the `postgres` OS user (created by the
# Debian package). PG_OPTS adds server options (-c name=value ...).
# Nothing listens beyond loopback.

: "${PG_BIN:=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_DIR=""
PG_RUN_AS=()

pg_free_port() {
    python3 -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_start() {
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        echo "pg_start: PostgreSQL server not installed (no /usr/lib/postgresql/*/bin/initdb);" \
             "run scripts/install-deps.sh" >&2
        return 1
    fi
    PG_DIR=${1:-$(mktemp -d /tmp/sipsnare-pg.XXXXXX)}
    mkdir -p "$PG_DIR"
    PG_RUN_AS=()
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            echo "pg_start: running as root but there is no 'postgres' user for initdb" >&2
            return 1
        fi
        chown postgres: "$PG_DIR"
        PG_RUN_AS=(runuser -u postgres --)
        if ! "${PG_RUN_AS[@]}" test -w "$PG_DIR"; then
            echo "pg_start: the postgres user cannot reach $PG_DIR (a parent directory" \
                 "is not searchable by others)" >&2
            return 1
        fi
    fi
    if ! "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U sipsnare -A trust -E UTF8 \
            --no-locale >"$PG_DIR/initdb.log" 2>&1; then
        echo "pg_start: initdb failed:" >&2; tail -n 20 "$PG_DIR/initdb.log" >&2
        return 1
    fi
    local try
    for try in 1 2 3; do
        PG_PORT=$(pg_free_port)
        # shellcheck disable=SC2086
        if "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
                -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=127.0.0.1 ${PG_OPTS:-}" \
                start >"$PG_DIR/pg_ctl.log" 2>&1; then
            break
        fi
        # the port may have been taken in between: try another one
        if [ "$try" -eq 3 ]; then
            echo "pg_start: the server did not start:" >&2; tail -n 20 "$PG_DIR/server.log" >&2
            return 1
        fi
    done
    if ! "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U sipsnare sipsnare 2>"$PG_DIR/createdb.log"; then
        echo "pg_start: createdb failed:" >&2; cat "$PG_DIR/createdb.log" >&2
        return 1
    fi
    PG_URL="postgresql://sipsnare@/sipsnare?host=$PG_DIR&port=$PG_PORT"
    PG_TCP_URL="postgresql://sipsnare@127.0.0.1:$PG_PORT/sipsnare"
    export PG_DIR PG_PORT PG_URL PG_TCP_URL
}

pg_stop() {
    [ -n "${PG_DIR:-}" ] || return 0
    if [ -d "$PG_DIR/data" ]; then
        if [ "$(id -u)" -eq 0 ]; then PG_RUN_AS=(runuser -u postgres --); fi
        "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
}

pg_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U sipsnare -d sipsnare "$@"
}
