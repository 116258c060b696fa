#!/bin/sh
# make run: create the demo database once, say how to log in, then serve.
# Usage: run.sh EVID_BINARY.  The database is $EVID_DB or var/evid.db; the
# address is $EVID_LISTEN or 127.0.0.1:8080.
set -eu

bin=${1:-build/evid}
db=${EVID_DB:-var/evid.db}
listen=${EVID_LISTEN:-127.0.0.1:8080}

if [ ! -x "$bin" ]; then
	echo "evid: no binary at '$bin': run 'make' first" >&2
	exit 1
fi

if [ ! -e "$db" ]; then
	echo "evid: creating $db with the demo data"
	"$bin" --db "$db" init --demo >/dev/null
	created=1
else
	# An existing database is migrated if this evid is newer; its data stay.
	"$bin" --db "$db" init >/dev/null
	created=0
fi

host=${listen%:*}
port=${listen##*:}
case $host in
0.0.0.0 | "[::]") host=127.0.0.1 ;;
esac

cat <<MSG

  Evidencija is starting on http://$host:$port/
  database: $db

  Demo logins$([ "$created" -eq 1 ] || printf ' (if %s was made by make run)' "$db"):
    admin       admin@evidencija.test         password: demo-admin
    technician  ivana.horvat@evidencija.test  password: demo-technician
    (also marko.kovacevic@ and petra.babic@evidencija.test, same password)

  Stop with Ctrl-C.

MSG

exec "$bin" --db "$db" serve --listen "$listen"
