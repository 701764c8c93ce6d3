#!/usr/bin/env bash
# A throw-away PostgreSQL server for the server-mode tests.
#
#   eval "$(scripts/pg-test-server.sh start)"   # prints export lines
#   cargo test                                 # the PostgreSQL tests now run
#   scripts/pg-test-server.sh stop "$EPIC_TEST_PG_DIR"
#
# The cluster lives in a fresh temporary folder owned by the `postgres` user
# (the server refuses to run as root), listens on 127.0.0.1 on a free port and
# on a Unix socket in that folder, authenticates every connection with
# scram-sha-256, and serves TLS with a certificate signed by a CA made here
# (for `localhost` only, so that `verify-full` against 127.0.0.1 must fail).
#
# `start` prints:
#   EPIC_TEST_PG      a superuser URL the tests use to create their databases
#   EPIC_TEST_PG_DIR  the folder to pass to `stop`
#   EPIC_TEST_PG_CA   the CA certificate that signed the server's certificate
set -euo pipefail

find_bin() {
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return
    fi
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return
        fi
    done
    return 1
}

ensure_installed() {
    if ! find_bin initdb >/dev/null || ! find_bin pg_ctl >/dev/null; then
        echo "pg-test-server: installing PostgreSQL (apt-get)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2; }
    fi
    if ! command -v openssl >/dev/null 2>&1; then
        echo "pg-test-server: installing openssl (apt-get)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >&2 ||
            { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl >&2; }
    fi
    if [ "$(id -u)" != 0 ]; then
        return
    fi
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        su postgres -s /bin/sh -c "$1"
    else
        sh -c "$1"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

make_certs() {
    local dir=$1
    (
        cd "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=epic test CA" \
            -keyout ca.key -out ca.crt >/dev/null 2>&1
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout server.key -out server.csr >/dev/null 2>&1
        printf 'subjectAltName=DNS:localhost\n' >san.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
            -days 2 -extfile san.ext -out server.crt >/dev/null 2>&1
        chmod 600 server.key ca.key
    )
}

start() {
    ensure_installed
    local initdb pg_ctl
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    local dir
    dir=$(mktemp -d /tmp/epic-pg.XXXXXX)
    chmod 755 "$dir"
    local password
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    printf '%s\n' "$password" >"$dir/pwfile"
    make_certs "$dir"
    chown -R postgres "$dir" 2>/dev/null || true
    as_postgres "'$initdb' -D '$dir/data' -U postgres --pwfile='$dir/pwfile' \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        --no-sync >'$dir/initdb.log' 2>&1" || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$dir/pwfile"
    # hostssl and host both scram: TLS is offered, never required by the server.
    local port
    port=$(free_port)
    as_postgres "'$pg_ctl' -D '$dir/data' -w -t 30 -l '$dir/log' -o \"-c listen_addresses=127.0.0.1 \
        -p $port -k '$dir' -c ssl=on -c ssl_cert_file='$dir/server.crt' \
        -c ssl_key_file='$dir/server.key' -c max_connections=200 -c fsync=off \
        -c shared_buffers=64MB\" start >/dev/null" || { cat "$dir/log" >&2; exit 1; }
    echo "export EPIC_TEST_PG='postgresql://postgres:$password@127.0.0.1:$port/postgres'"
    echo "export EPIC_TEST_PG_DIR='$dir'"
    echo "export EPIC_TEST_PG_CA='$dir/ca.crt'"
}

stop() {
    local dir=${1:?usage: pg-test-server.sh stop DIR}
    case $dir in /tmp/epic-pg.*) ;; *) echo "not a test server folder: $dir" >&2; exit 2 ;; esac
    local pg_ctl
    pg_ctl=$(find_bin pg_ctl)
    if [ -d "$dir/data" ]; then
        as_postgres "'$pg_ctl' -D '$dir/data' -m immediate -w stop >/dev/null 2>&1" || true
    fi
    rm -rf "$dir"
}

case ${1:-} in
    start) start ;;
    stop) shift; stop "$@" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
