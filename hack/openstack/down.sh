#!/bin/bash
# hack/openstack/down.sh - stop every process hack/openstack/up.sh started, through the PID
# files in $CAPO_OPENSTACK_DIR/run. Each service was started with setsid, so its PID is also
# its process group: the group (uwsgi and neutron workers, erlang helpers) gets SIGTERM, then
# SIGKILL after about 10 s. Nothing else is signalled. Data is kept; CAPO_OPENSTACK_RESET=1
# up.sh starts from a clean slate.
OSR=${CAPO_OPENSTACK_DIR:-/var/tmp/capo-openstack}
RUN=$OSR/run

stop_one() {
  local name=$1 f=$RUN/$1.pid pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    echo "stopping $name (pgid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 "${STOP_WAIT:-20}"); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "  $name still alive, SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
  fi
  # stragglers of the same process group (uwsgi workers)
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$f"
}

# APIs and workers first (in parallel), then what they talk to.
for s in octavia-worker octavia-api cinder-volume cinder-scheduler cinder-api nova-compute \
         nova-scheduler nova-conductor nova-api neutron-server placement glance-api keystone; do
  stop_one "$s" &
done
wait
stop_one rabbitmq
stop_one mariadb
stop_one epmd
rm -f "$RUN/rabbitmq-beam.pid"
echo "all stopped"
