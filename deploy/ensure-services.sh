#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis the test suite uses are up: start them when they are installed
# but stopped, and say plainly what is missing otherwise. Honours FANGFAN_TEST_PG_HOST/PORT and
# FANGFAN_TEST_REDIS_HOST/PORT when the suite is pointed elsewhere.
set -uo pipefail

PG_HOST=${FANGFAN_TEST_PG_HOST:-127.0.0.1}
PG_PORT=${FANGFAN_TEST_PG_PORT:-5432}
REDIS_HOST=${FANGFAN_TEST_REDIS_HOST:-127.0.0.1}
REDIS_PORT=${FANGFAN_TEST_REDIS_PORT:-6379}

wait_for() {  # wait_for NAME COMMAND...
  local name=$1; shift
  for _ in $(seq 1 30); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "error: $name did not come up within 30 seconds" >&2
  return 1
}

pg_up() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
  else
    (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
  fi
}

redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
  else
    (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT") 2>/dev/null
  fi
}

status=0

if pg_up; then
  echo "PostgreSQL is up on $PG_HOST:$PG_PORT"
elif command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql/ >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for PostgreSQL pg_up || status=1
else
  echo "error: PostgreSQL is not running on $PG_HOST:$PG_PORT and is not installed here." >&2
  echo "       Install it (Debian: apt-get install postgresql) or point FANGFAN_TEST_DATABASE_URL at a server." >&2
  status=1
fi

if redis_up; then
  echo "Redis is up on $REDIS_HOST:$REDIS_PORT"
elif command -v redis-server >/dev/null 2>&1; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  wait_for Redis redis_up || status=1
else
  echo "error: Redis is not running on $REDIS_HOST:$REDIS_PORT and is not installed here." >&2
  echo "       Install it (Debian: apt-get install redis-server) or point FANGFAN_TEST_REDIS_URL at a server." >&2
  status=1
fi

exit $status
