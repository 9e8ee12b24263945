#!/bin/sh
# Stand-in for the official postgres image's entrypoint: initialise from POSTGRES_* once, then run.
set -e
PGBIN=/usr/lib/postgresql/18/bin
PGDATA=${PGDATA:-/var/lib/postgresql/data}
mkdir -p "$PGDATA" && chown -R postgres:postgres /var/lib/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  printf '%s' "$POSTGRES_PASSWORD" > /tmp/pwfile && chown postgres /tmp/pwfile
  su postgres -s /bin/sh -c "$PGBIN/initdb -D '$PGDATA' -U '${POSTGRES_USER:-postgres}' --pwfile=/tmp/pwfile --auth=scram-sha-256 --locale=C -E UTF8" >/dev/null
  rm /tmp/pwfile
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D '$PGDATA' -o \"-c listen_addresses='' -k /tmp\" -w start" >/dev/null
  PGPASSWORD="$POSTGRES_PASSWORD" psql -h /tmp -U "${POSTGRES_USER:-postgres}" -d postgres -qc "CREATE DATABASE \"${POSTGRES_DB:-postgres}\""
  su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D '$PGDATA' -w stop" >/dev/null
fi
exec su postgres -s /bin/sh -c "exec $PGBIN/postgres -D '$PGDATA' -c listen_addresses='*' -k /var/run/postgresql"
