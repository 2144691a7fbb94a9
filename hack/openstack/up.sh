#!/bin/bash
# hack/openstack/up.sh - a real OpenStack Zed control plane from Debian 12 packages on this
# machine, without systemd, for the provider's end-to-end tests against a real cloud
# (make openstack-up; make e2e-openstack).
#
#   keystone, glance, placement, nova (api, conductor, scheduler, and compute with Nova's fake
#   virt driver), neutron (ML2 with the agentless "fakebind" mechanism driver of fakebind.py,
#   L3 router plugin), octavia (api and worker; amphorae are fake Nova servers, the amphora
#   agent calls are no-ops), cinder (api, scheduler, volume with the no-op driver of
#   fakevolume.py), MariaDB, RabbitMQ.
#
# Run as root. Everything listens on 127.0.0.1 only; config, logs, PID files and data live
# under $CAPO_OPENSTACK_DIR. Idempotent: a re-run skips what is installed, initialised or
# running. hack/openstack/down.sh stops exactly the processes this script started.
#
#   CAPO_OPENSTACK_DIR=/var/tmp/capo-openstack   state directory
#   CAPO_OPENSTACK_RESET=1                      wipe the data (databases, images) first
#   CAPO_OPENSTACK_CINDER=0                     leave Cinder out
#   CAPO_OPENSTACK_DEBUG=true                   debug logging in every service
#
# Ends by writing $CAPO_OPENSTACK_DIR/clouds.yaml: cloud "capo-demo" (user and project demo,
# what the tests use) and "capo-admin".
# Adapted from the recipe of ../shared/recipes/openstack-zed (see its NOTES.md for the
# reasons behind each setting).
set -euo pipefail

OSR=${CAPO_OPENSTACK_DIR:-/var/tmp/capo-openstack}
OSR_RESET=${CAPO_OPENSTACK_RESET:-0}
OSR_OCTAVIA=1
OSR_CINDER=${CAPO_OPENSTACK_CINDER:-1}
OSR_DEBUG=${CAPO_OPENSTACK_DEBUG:-false}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Octavia: amphorae are real Nova servers (fake hypervisor) on a real lb-mgmt-net, the VIP is a
# real Neutron port (allowed-address-pairs driver): only the amphora agent's calls are no-ops.
# ("noop" would invent VIPs that Neutron does not know: no floating IP could reach them.)
OSR_OCTAVIA_MODE=nova
ETC=$OSR/etc; LOG=$OSR/log; RUN=$OSR/run; DATA=$OSR/data; PYLIB=$OSR/pylib
HOST_IP=127.0.0.1
REGION=RegionOne
ADMIN_PASS=admin-secret
DEMO_PASS=demo-secret
SERVICE_PASS=service-secret
DB_PASS=db-secret
RABBIT_PASS=rabbit-secret
PY=/usr/bin/python3            # Debian's python, not a pyenv/venv one
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV OS_CLOUD || true
for v in $(env | grep -o '^OS_[A-Z_]*' || true); do unset "$v"; done

T0=$(date +%s)
log() { echo "[openstack-up +$(( $(date +%s) - T0 ))s] $*"; }

PKGS="mariadb-server rabbitmq-server keystone glance-api placement-api \
nova-api nova-conductor nova-scheduler python3-nova neutron-server \
python3-openstackclient python3-pymysql curl"
[ "$OSR_OCTAVIA" = 1 ] && PKGS="$PKGS octavia-api octavia-worker python3-octaviaclient openssl"
[ "$OSR_CINDER" = 1 ] && PKGS="$PKGS cinder-api cinder-scheduler python3-cinder"

###########################################################################
# 1. packages
###########################################################################
install_packages() {
  local missing=""
  for p in $PKGS; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing="$missing $p"
  done
  if [ -z "$missing" ]; then log "packages already installed"; return; fi
  log "installing:$missing"
  # Never let maintainer scripts start daemons (no init system here).
  if [ ! -x /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
  fi
  # Answer "no" to every dbconfig / keystone-registration question: we
  # configure everything by hand below.
  {
    echo "keystone keystone/configure_db boolean false"
    echo "keystone keystone/create-admin-tenant boolean false"
    echo "keystone keystone/register-endpoint boolean false"
    for p in glance placement nova neutron octavia cinder; do
      for q in configure_db configure_rabbit configure_ksat configure_api-endpoint; do
        echo "$p-common $p/$q boolean false"
      done
    done
    echo "cinder-api cinder/register-endpoint boolean false"
    echo "nova-api novaapi/configure_db boolean false"
    echo "nova-common nova/configure_neutron boolean false"
    echo "nova-common nova/configure_placement boolean false"
    echo "neutron-common neutron/configure_nova boolean false"
  } | debconf-set-selections
  [ -n "$(find /var/lib/apt/lists -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ] || apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    -o Dpkg::Options::=--force-unsafe-io $missing
}

###########################################################################
# helpers
###########################################################################
running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# start_bg NAME CMD...  - start CMD in its own session (process group),
# PID in $RUN/NAME.pid, output in $LOG/NAME.log.
start_bg() {
  local name=$1; shift
  if running "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  log "starting $name"
  setsid "$@" >> "$LOG/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

wait_tcp() {  # wait_tcp PORT NAME [TIMEOUT]
  local port=$1 name=$2 to=${3:-120} i=0
  until (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; do
    i=$((i+1))
    if [ $i -gt $((to*2)) ]; then log "ERROR: $name not listening on $port after ${to}s"; tail -30 "$LOG/$name.log" || true; exit 1; fi
    if [ -f "$RUN/$name.pid" ] && ! running "$name"; then log "ERROR: $name died"; tail -40 "$LOG/$name.log" || true; exit 1; fi
    sleep 0.5
  done
}

wait_http() {  # wait_http URL NAME [TIMEOUT]  (any HTTP status counts)
  local url=$1 name=$2 to=${3:-120} i=0
  until curl -s -o /dev/null -m 5 "$url"; do
    i=$((i+1))
    if [ $i -gt $((to*2)) ]; then log "ERROR: $name not answering $url"; tail -30 "$LOG/$name.log" || true; exit 1; fi
    if [ -f "$RUN/$name.pid" ] && ! running "$name"; then log "ERROR: $name died"; tail -40 "$LOG/$name.log" || true; exit 1; fi
    sleep 0.5
  done
}

sql() { mariadb --no-defaults -uroot --socket="$RUN/mysqld.sock" -e "$1"; }

db_create() {  # db_create DBNAME USER
  sql "CREATE DATABASE IF NOT EXISTS \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
       CREATE USER IF NOT EXISTS '$2'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
       CREATE USER IF NOT EXISTS '$2'@'localhost' IDENTIFIED BY '$DB_PASS';
       GRANT ALL PRIVILEGES ON \`$1\`.* TO '$2'@'127.0.0.1';
       GRANT ALL PRIVILEGES ON \`$1\`.* TO '$2'@'localhost';"
}
dburl() { echo "mysql+pymysql://$2:$DB_PASS@127.0.0.1/$1?charset=utf8mb4"; }

# once STAMP CMD... - run CMD once (stamp file in $DATA/stamps)
once() {
  local s=$1; shift
  [ -f "$DATA/stamps/$s" ] && return 0
  log "running: $s"
  "$@" >> "$LOG/setup-$s.log" 2>&1 || { log "ERROR in $s"; tail -40 "$LOG/setup-$s.log"; exit 1; }
  touch "$DATA/stamps/$s"
}

authtoken() {  # authtoken USER  -> [keystone_authtoken] section
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$HOST_IP:5000
auth_url = http://$HOST_IP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $1
password = $SERVICE_PASS
region_name = $REGION
service_token_roles_required = true
EOF
}
ksauth() {  # ksauth SECTION USER  -> password auth section for a service client
  cat <<EOF
[$1]
auth_url = http://$HOST_IP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $SERVICE_PASS
region_name = $REGION
EOF
}
TRANSPORT="rabbit://openstack:$RABBIT_PASS@$HOST_IP:5672/"

###########################################################################
# 2. base dirs, mariadb, rabbitmq
###########################################################################
setup_dirs() {
  if [ "$OSR_RESET" = 1 ]; then
    log "CAPO_OPENSTACK_RESET=1: wiping $DATA"
    CAPO_OPENSTACK_DIR=$OSR "$HERE/down.sh" || true
    rm -rf "$DATA"
  fi
  mkdir -p "$ETC" "$LOG" "$RUN" "$DATA/stamps" "$PYLIB"
  mkdir -p "$ETC"/{keystone,glance,placement,nova,neutron,octavia,cinder}
  mkdir -p "$DATA"/{keystone,glance/images,nova/instances,neutron,octavia,cinder,lock}
}

start_mariadb() {
  if [ ! -d "$DATA/mysql/mysql" ]; then
    log "initialising mariadb datadir"
    mkdir -p "$DATA/mysql"; chown mysql:mysql "$DATA/mysql"
    mariadb-install-db --no-defaults --user=mysql --datadir="$DATA/mysql" \
      --auth-root-authentication-method=socket --skip-test-db > "$LOG/mariadb-install.log" 2>&1
  fi
  mkdir -p "$RUN"; chmod 755 "$RUN"
  install -d -o mysql -g mysql "$RUN/mysql"
  # the server runs as mysql; its socket goes in $RUN/mysql, we symlink it
  ln -sf "$RUN/mysql/mysqld.sock" "$RUN/mysqld.sock"
  start_bg mariadb /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$DATA/mysql" \
    --socket="$RUN/mysql/mysqld.sock" --pid-file="$RUN/mysql/mariadbd.pid" \
    --bind-address=127.0.0.1 --port=3306 --skip-name-resolve \
    --max-connections=2000 --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --log-error="$LOG/mariadb-error.log"
  local i=0
  until sql "select 1" >/dev/null 2>&1; do
    i=$((i+1)); [ $i -gt 120 ] && { log "mariadb did not start"; tail "$LOG/mariadb-error.log"; exit 1; }
    running mariadb || { log "mariadb died"; tail -30 "$LOG/mariadb-error.log"; exit 1; }
    sleep 0.5
  done
}

rabbit_env() {
  export HOME=$DATA/rabbitmq RABBITMQ_NODENAME=rabbit@localhost \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 \
    RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=4369 \
    RABBITMQ_MNESIA_BASE=$DATA/rabbitmq/mnesia RABBITMQ_LOG_BASE=$LOG/rabbitmq \
    RABBITMQ_PID_FILE=$RUN/rabbitmq-beam.pid \
    RABBITMQ_ENABLED_PLUGINS_FILE=$DATA/rabbitmq/enabled_plugins \
    RABBITMQ_CONFIG_FILE=$DATA/rabbitmq/rabbitmq \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}
rmqctl() { ( rabbit_env; /usr/lib/rabbitmq/bin/rabbitmqctl "$@" ); }

start_rabbitmq() {
  mkdir -p "$DATA/rabbitmq" "$LOG/rabbitmq"
  [ -f "$DATA/rabbitmq/enabled_plugins" ] || echo '[].' > "$DATA/rabbitmq/enabled_plugins"
  [ -f "$DATA/rabbitmq/rabbitmq.conf" ] || cat > "$DATA/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:5672
loopback_users = none
vm_memory_high_watermark.absolute = 1GB
disk_free_limit.absolute = 50MB
EOF
  ( rabbit_env; start_bg epmd /usr/bin/epmd -address 127.0.0.1 -port 4369 )
  wait_tcp 4369 epmd 30
  ( rabbit_env; start_bg rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server )
  wait_tcp 5672 rabbitmq 180
  if [[ "$(rmqctl list_users 2>/dev/null || true)" != *openstack* ]]; then
    rmqctl add_user openstack "$RABBIT_PASS" >/dev/null
    rmqctl set_permissions openstack '.*' '.*' '.*' >/dev/null
  fi
}

###########################################################################
# 3. keystone
###########################################################################
KCONF=$ETC/keystone/keystone.conf
setup_keystone() {
  db_create keystone keystone
  cat > "$KCONF" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
log_file = $LOG/keystone-app.log
[database]
connection = $(dburl keystone keystone)
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = $DATA/keystone/fernet-keys
[credential]
key_repository = $DATA/keystone/credential-keys
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
password_hash_rounds = 4
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
EOF
  cat > "$ETC/keystone/uwsgi.ini" <<EOF
[uwsgi]
http-socket = 127.0.0.1:5000
plugins = python3
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=$ETC/keystone
master = true
processes = 2
threads = 4
enable-threads = true
lazy-apps = true
die-on-term = true
buffer-size = 65535
add-header = Connection: close
EOF
  once keystone-db keystone-manage --config-file "$KCONF" db_sync
  once keystone-fernet sh -c "keystone-manage --config-file $KCONF fernet_setup --keystone-user root --keystone-group root && keystone-manage --config-file $KCONF credential_setup --keystone-user root --keystone-group root"
  once keystone-bootstrap keystone-manage --config-file "$KCONF" bootstrap \
    --bootstrap-password "$ADMIN_PASS" --bootstrap-username admin \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "http://$HOST_IP:5000/v3/" \
    --bootstrap-internal-url "http://$HOST_IP:5000/v3/" \
    --bootstrap-public-url "http://$HOST_IP:5000/v3/"
  start_bg keystone /usr/bin/uwsgi_python3 --ini "$ETC/keystone/uwsgi.ini"
  wait_http "http://$HOST_IP:5000/v3" keystone 120
}

# identity objects (service users, catalog) - python/openstacksdk, idempotent
register_catalog() {
  [ -f "$DATA/stamps/catalog" ] && return 0
  log "registering projects/users/services/endpoints"
  OSR_OCTAVIA=$OSR_OCTAVIA OSR_CINDER=$OSR_CINDER ADMIN_PASS=$ADMIN_PASS SERVICE_PASS=$SERVICE_PASS DEMO_PASS=$DEMO_PASS \
  REGION=$REGION HOST_IP=$HOST_IP $PY - <<'PYEOF' >> "$LOG/setup-catalog.log" 2>&1 || { tail -30 "$LOG/setup-catalog.log"; exit 1; }
import os, openstack
e = os.environ
h = e['HOST_IP']
c = openstack.connect(auth_url=f'http://{h}:5000/v3', username='admin', password=e['ADMIN_PASS'],
                      project_name='admin', user_domain_name='Default', project_domain_name='Default',
                      region_name=e['REGION'], identity_interface='public')
idn = c.identity
def project(name, desc=''):
    p = idn.find_project(name, domain_id='default')
    return p or idn.create_project(name=name, domain_id='default', description=desc)
def role(name):
    return idn.find_role(name) or idn.create_role(name=name)
def user(name, pw, proj):
    u = idn.find_user(name, domain_id='default')
    return u or idn.create_user(name=name, password=pw, domain_id='default', default_project_id=proj.id)
def grant(u, p, r):
    idn.assign_project_role_to_user(p, u, r)
service_p = project('service', 'service users')
demo_p = project('demo', 'demo project')
admin_r = role('admin'); member_r = role('member'); reader_r = role('reader')
# keystonemiddleware (service_token_roles_required=true) only accepts the
# X-Service-Token that nova/neutron send if its user has the 'service' role.
service_r = role('service')
svc = {'glance': ('image', 'glance', 'http://%s:9292'),
       'placement': ('placement', 'placement', 'http://%s:8778'),
       'nova': ('compute', 'nova', 'http://%s:8774/v2.1'),
       'neutron': ('network', 'neutron', 'http://%s:9696'),}
if e['OSR_OCTAVIA'] == '1':
    svc['octavia'] = ('load-balancer', 'octavia', 'http://%s:9876')
    for r in ('load-balancer_member', 'load-balancer_admin', 'load-balancer_observer',
              'load-balancer_global_observer', 'load-balancer_quota_admin'):
        role(r)
svc = [(u, t, n, url) for u, (t, n, url) in svc.items()]
if e['OSR_CINDER'] == '1':
    svc += [('cinder', 'volumev3', 'cinderv3', 'http://%s:8776/v3/%%(project_id)s'),
            ('cinder', 'block-storage', 'cinder', 'http://%s:8776/v3/%%(project_id)s')]
for uname, stype, sname, url in svc:
    u = user(uname, e['SERVICE_PASS'], service_p)
    grant(u, service_p, admin_r)
    grant(u, service_p, service_r)
    s = [x for x in idn.services() if x.type == stype]
    s = s[0] if s else idn.create_service(name=sname, type=stype, description=sname)
    have = {x.interface for x in idn.endpoints(service_id=s.id)}
    for iface in ('public', 'internal', 'admin'):
        if iface not in have:
            idn.create_endpoint(service_id=s.id, interface=iface, url=url % h, region_id=e['REGION'])
demo_u = user('demo', e['DEMO_PASS'], demo_p)
grant(demo_u, demo_p, member_r)
if e['OSR_OCTAVIA'] == '1':
    grant(demo_u, demo_p, role('load-balancer_member'))
admin_u = idn.find_user('admin', domain_id='default')
grant(admin_u, demo_p, admin_r)
print('catalog ok')
PYEOF
  touch "$DATA/stamps/catalog"
}

###########################################################################
# 4. glance
###########################################################################
setup_glance() {
  db_create glance glance
  cat > "$ETC/glance/glance-api.conf" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
bind_host = $HOST_IP
bind_port = 9292
workers = 1
log_file = $LOG/glance-app.log
enabled_backends = fs:file
[database]
connection = $(dburl glance glance)
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $DATA/glance/images
[os_glance_tasks_store]
filesystem_store_datadir = $DATA/glance/tasks
[os_glance_staging_store]
filesystem_store_datadir = $DATA/glance/staging
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $DATA/lock
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
$(authtoken glance)
EOF
  mkdir -p "$DATA/glance/tasks" "$DATA/glance/staging"
  once glance-db glance-manage --config-file "$ETC/glance/glance-api.conf" db_sync
  start_bg glance-api /usr/bin/glance-api --config-file "$ETC/glance/glance-api.conf"
}

###########################################################################
# 5. placement
###########################################################################
setup_placement() {
  db_create placement placement
  cat > "$ETC/placement/placement.conf" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
log_file = $LOG/placement-app.log
[api]
auth_strategy = keystone
[placement_database]
connection = $(dburl placement placement)
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
$(authtoken placement)
EOF
  cat > "$ETC/placement/uwsgi.ini" <<EOF
[uwsgi]
http-socket = 127.0.0.1:8778
add-header = Connection: close
plugins = python3
wsgi-file = /usr/bin/placement-api
env = OS_PLACEMENT_CONFIG_DIR=$ETC/placement
master = true
processes = 1
threads = 8
enable-threads = true
lazy-apps = true
die-on-term = true
buffer-size = 65535
EOF
  once placement-db placement-manage --config-file "$ETC/placement/placement.conf" db sync
  start_bg placement /usr/bin/uwsgi_python3 --ini "$ETC/placement/uwsgi.ini"
}

###########################################################################
# 6. nova
###########################################################################
NCONF=$ETC/nova/nova.conf
setup_nova() {
  db_create nova_api nova; db_create nova nova; db_create nova_cell0 nova
  cat > "$NCONF" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
transport_url = $TRANSPORT
my_ip = $HOST_IP
compute_driver = fake.FakeDriver
state_path = $DATA/nova
instances_path = $DATA/nova/instances
log_dir = $LOG
enabled_apis = osapi_compute
osapi_compute_listen = $HOST_IP
osapi_compute_listen_port = 8774
osapi_compute_workers = 1
vif_plugging_is_fatal = false
vif_plugging_timeout = 0
allow_resize_to_same_host = true
heal_instance_info_cache_interval = -1
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $(dburl nova_api nova)
[database]
connection = $(dburl nova nova)
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 5
[oslo_concurrency]
lock_path = $DATA/lock
[oslo_messaging_notifications]
driver = noop
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
[glance]
region_name = $REGION
[cinder]
os_region_name = $REGION
[vnc]
enabled = false
[spice]
enabled = false
[os_vif_ovs]
ovsdb_connection = tcp:127.0.0.1:6640
$(authtoken nova)
$(ksauth placement placement)
$(ksauth neutron neutron)
service_metadata_proxy = false
$(ksauth service_user nova)
send_service_user_token = true
EOF
  once nova-api-db nova-manage --config-file "$NCONF" api_db sync
  once nova-cell0 nova-manage --config-file "$NCONF" cell_v2 map_cell0 --database_connection "$(dburl nova_cell0 nova)"
  once nova-cell1 sh -c "nova-manage --config-file $NCONF cell_v2 list_cells | grep -q ' cell1 ' || nova-manage --config-file $NCONF cell_v2 create_cell --name cell1 --verbose"
  once nova-db nova-manage --config-file "$NCONF" db sync
  start_bg nova-api /usr/bin/nova-api --config-file "$NCONF"
  start_bg nova-conductor /usr/bin/nova-conductor --config-file "$NCONF"
  start_bg nova-scheduler /usr/bin/nova-scheduler --config-file "$NCONF"
  # the nova-compute binary lives in the nova-compute package, which drags
  # in libvirt/qemu; python3-nova has the entry point, so call it directly.
  start_bg nova-compute $PY -c 'import sys; sys.argv[0]="nova-compute"; from nova.cmd.compute import main; sys.exit(main())' --config-file "$NCONF" --log-file "$LOG/nova-compute-app.log"
}

###########################################################################
# 7. neutron
###########################################################################
write_pylib() {
  # Our python plugins: the ML2 mechanism driver (found through its entry point) and the
  # Cinder volume driver (found by its import path).
  mkdir -p "$PYLIB/capo_fakebind-0.1.dist-info"
  cp "$HERE/fakebind.py" "$PYLIB/capo_fakebind.py"
  cp "$HERE/fakevolume.py" "$PYLIB/capo_fakevolume.py"
  printf 'Metadata-Version: 2.1\nName: capo-fakebind\nVersion: 0.1\n' > "$PYLIB/capo_fakebind-0.1.dist-info/METADATA"
  printf '[neutron.ml2.mechanism_drivers]\nfakebind = capo_fakebind:FakeBindMechanismDriver\n' > "$PYLIB/capo_fakebind-0.1.dist-info/entry_points.txt"
  printf 'capo_fakebind\n' > "$PYLIB/capo_fakebind-0.1.dist-info/top_level.txt"
}

setup_neutron() {
  db_create neutron neutron
  write_pylib
  cat > "$ETC/neutron/neutron.conf" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $TRANSPORT
bind_host = $HOST_IP
bind_port = 9696
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
api_paste_config = /etc/neutron/api-paste.ini
state_path = $DATA/neutron
log_file = $LOG/neutron-app.log
allow_overlapping_ips = true
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
router_distributed = false
l3_ha = false
external_dns_driver =
[database]
connection = $(dburl neutron neutron)
[oslo_concurrency]
lock_path = $DATA/lock
[oslo_messaging_notifications]
driver = noop
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
[agent]
root_helper = sudo
$(authtoken neutron)
$(ksauth nova nova)
EOF
  cat > "$ETC/neutron/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers = fakebind
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[ml2_type_vlan]
network_vlan_ranges = physnet1:100:200
[ml2_type_vxlan]
vni_ranges = 1:10000
[securitygroup]
enable_security_group = true
firewall_driver = noop
EOF
  once neutron-db neutron-db-manage --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini" upgrade heads
  PYTHONPATH=$PYLIB start_bg neutron-server /usr/bin/neutron-server \
    --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/ml2_conf.ini"
}

###########################################################################
# 8. octavia (amphora provider, every backend driver = noop)
###########################################################################
# amphora image/flavor/mgmt network/secgroup in the 'service' project
octavia_resources() {
  [ -f "$DATA/octavia/ids.env" ] && return 0
  log "creating octavia amphora flavor/image/lb-mgmt-net"
  fake_qcow2
  ADMIN_PASS=$ADMIN_PASS HOST_IP=$HOST_IP REGION=$REGION IMG=$DATA/cirros-fake.qcow2 \
  $PY - > "$DATA/octavia/ids.env.tmp" 2>> "$LOG/setup-octavia-resources.log" <<'PYEOF' || { tail -30 "$LOG/setup-octavia-resources.log"; exit 1; }
import os, openstack
e = os.environ; h = e['HOST_IP']
c = openstack.connect(auth_url=f'http://{h}:5000/v3', username='admin', password=e['ADMIN_PASS'],
                      project_name='admin', user_domain_name='Default', project_domain_name='Default',
                      region_name=e['REGION'])
svc = c.identity.find_project('service', domain_id='default')
fl = c.compute.find_flavor('amphora', ignore_missing=True)
if not fl:
    fl = c.compute.create_flavor(name='amphora', vcpus=1, ram=1024, disk=2, is_public=False)
    c.compute.flavor_add_tenant_access(fl, svc.id)
img = c.image.find_image('amphora-fake')
if not img:
    img = c.image.create_image(name='amphora-fake', filename=e['IMG'], disk_format='qcow2',
                               container_format='bare', visibility='private', wait=True,
                               tags=['amphora'])
    c.image.update_image(img, owner=svc.id)
net = c.network.find_network('lb-mgmt-net', project_id=svc.id)
if not net:
    net = c.network.create_network(name='lb-mgmt-net', project_id=svc.id)
if not c.network.find_subnet('lb-mgmt-subnet', network_id=net.id):
    c.network.create_subnet(name='lb-mgmt-subnet', network_id=net.id, project_id=svc.id,
                            ip_version=4, cidr='192.0.2.0/24')
sg = c.network.find_security_group('lb-mgmt-sec-grp', project_id=svc.id)
if not sg:
    sg = c.network.create_security_group(name='lb-mgmt-sec-grp', project_id=svc.id)
    c.network.create_security_group_rule(security_group_id=sg.id, direction='ingress',
                                         protocol='tcp', port_range_min=9443, port_range_max=9443)
# amphorae are servers + ports in 'service': lift its quotas
c.set_compute_quotas(svc.id, instances=-1, cores=-1, ram=-1, server_groups=-1, server_group_members=-1)
c.network.update_quota(svc.id, port=-1, security_group=-1, security_group_rule=-1, network=-1, subnet=-1)
print(f'AMP_NET={net.id}\nAMP_SG={sg.id}\nAMP_FLAVOR={fl.id}\nAMP_OWNER={svc.id}')
PYEOF
  mv "$DATA/octavia/ids.env.tmp" "$DATA/octavia/ids.env"
}

setup_octavia() {
  db_create octavia octavia
  local CD=$DATA/octavia/certs
  if [ ! -f "$CD/ca.key" ]; then
    mkdir -p "$CD"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=capo-octavia-ca" \
      -keyout "$CD/ca.key" -out "$CD/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=capo-octavia-client" \
      -keyout "$CD/client.key" -out "$CD/client.csr" 2>/dev/null
    openssl x509 -req -in "$CD/client.csr" -CA "$CD/ca.pem" -CAkey "$CD/ca.key" -CAcreateserial \
      -days 3650 -out "$CD/client.crt" 2>/dev/null
    cat "$CD/client.crt" "$CD/client.key" > "$CD/client.pem"
  fi
  local COMPUTE_DRV=compute_noop_driver NETWORK_DRV=network_noop_driver IMAGE_DRV=image_noop_driver
  local AMP_NET=00000000-0000-0000-0000-000000000000 AMP_SG=00000000-0000-0000-0000-000000000000
  local AMP_FLAVOR=1 AMP_OWNER=""
  if [ "$OSR_OCTAVIA_MODE" = nova ]; then
    octavia_resources
    . "$DATA/octavia/ids.env"
    COMPUTE_DRV=compute_nova_driver NETWORK_DRV=allowed_address_pairs_driver IMAGE_DRV=image_glance_driver
  fi
  cat > "$ETC/octavia/octavia.conf" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
transport_url = $TRANSPORT
log_file = $LOG/octavia-app.log
[api_settings]
bind_host = $HOST_IP
bind_port = 9876
auth_strategy = keystone
enabled_provider_drivers = amphora:'Octavia amphora driver (noop backends)',noop_driver:'No-op driver'
default_provider_driver = amphora
[database]
connection = $(dburl octavia octavia)
[controller_worker]
amphora_driver = amphora_noop_driver
compute_driver = $COMPUTE_DRV
network_driver = $NETWORK_DRV
volume_driver = volume_noop_driver
image_driver = $IMAGE_DRV
loadbalancer_topology = SINGLE
amp_image_tag = amphora
amp_image_owner_id = $AMP_OWNER
amp_flavor_id = $AMP_FLAVOR
amp_boot_network_list = $AMP_NET
amp_secgroup_list = $AMP_SG
amp_active_retries = 60
amp_active_wait_sec = 1
user_data_config_drive = false
workers = 1
client_ca = $CD/ca.pem
[task_flow]
jobboard_enabled = false
[certificates]
cert_generator = local_cert_generator
ca_certificate = $CD/ca.pem
ca_private_key = $CD/ca.key
server_certs_key_passphrase = insecure-key-do-not-use-this-key
[haproxy_amphora]
client_cert = $CD/client.pem
server_ca = $CD/ca.pem
[health_manager]
heartbeat_key = insecure
[oslo_messaging]
topic = octavia_prov
[oslo_messaging_notifications]
driver = noop
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
[oslo_concurrency]
lock_path = $DATA/lock
[networking]
port_detach_timeout = 30
[nova]
region_name = $REGION
endpoint_type = public
[neutron]
region_name = $REGION
endpoint_type = public
[glance]
region_name = $REGION
endpoint_type = public
[cinder]
region_name = $REGION
$(authtoken octavia)
$(ksauth service_auth octavia)
EOF
  cat > "$ETC/octavia/uwsgi.ini" <<EOF
[uwsgi]
http-socket = 127.0.0.1:9876
add-header = Connection: close
plugins = python3
wsgi-file = /usr/bin/octavia-wsgi
pyargv = --config-file $ETC/octavia/octavia.conf
master = true
processes = 1
threads = 4
enable-threads = true
lazy-apps = true
die-on-term = true
buffer-size = 65535
EOF
  once octavia-db octavia-db-manage --config-file "$ETC/octavia/octavia.conf" upgrade head
  start_bg octavia-api /usr/bin/uwsgi_python3 --ini "$ETC/octavia/uwsgi.ini"
  start_bg octavia-worker /usr/bin/octavia-worker --config-file "$ETC/octavia/octavia.conf"
}

###########################################################################
# 8b. cinder (api under uwsgi, scheduler, volume with the no-op driver of fakevolume.py)
###########################################################################
setup_cinder() {
  db_create cinder cinder
  write_pylib
  cat > "$ETC/cinder/cinder.conf" <<EOF
[DEFAULT]
debug = $OSR_DEBUG
transport_url = $TRANSPORT
auth_strategy = keystone
my_ip = $HOST_IP
host = capo-volume
state_path = $DATA/cinder
log_dir = $LOG
osapi_volume_listen = $HOST_IP
osapi_volume_listen_port = 8776
osapi_volume_workers = 1
enabled_backends = fake
default_volume_type = fake
glance_api_servers = http://$HOST_IP:9292
api_paste_config = /etc/cinder/api-paste.ini
rootwrap_config = /etc/cinder/rootwrap.conf
[fake]
volume_driver = capo_fakevolume.FakeVolumeDriver
volume_backend_name = fake
[database]
connection = $(dburl cinder cinder)
[oslo_concurrency]
lock_path = $DATA/lock
[oslo_messaging_notifications]
driver = noop
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
[nova]
region_name = $REGION
auth_url = http://$HOST_IP:5000
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = $SERVICE_PASS
$(authtoken cinder)
EOF
  cat > "$ETC/cinder/uwsgi.ini" <<EOF
[uwsgi]
http-socket = 127.0.0.1:8776
add-header = Connection: close
plugins = python3
wsgi-file = /usr/bin/cinder-wsgi
env = OS_CINDER_CONFIG_DIR=$ETC/cinder
pyargv = --config-file $ETC/cinder/cinder.conf
master = true
processes = 1
threads = 4
enable-threads = true
lazy-apps = true
die-on-term = true
buffer-size = 65535
EOF
  once cinder-db cinder-manage --config-file "$ETC/cinder/cinder.conf" db sync
  start_bg cinder-api /usr/bin/uwsgi_python3 --ini "$ETC/cinder/uwsgi.ini"
  start_bg cinder-scheduler /usr/bin/cinder-scheduler --config-file "$ETC/cinder/cinder.conf"
  PYTHONPATH=$PYLIB start_bg cinder-volume $PY -c 'import sys; sys.argv[0]="cinder-volume"; from cinder.cmd.volume import main; sys.exit(main())' --config-file "$ETC/cinder/cinder.conf" --log-file "$LOG/cinder-volume-app.log"
}

###########################################################################
# 9. wait for everything, compute discovery, demo resources
###########################################################################
wait_all() {
  wait_http "http://$HOST_IP:9292/" glance-api 180
  wait_http "http://$HOST_IP:8778/" placement 180
  wait_http "http://$HOST_IP:8774/" nova-api 180
  wait_http "http://$HOST_IP:9696/" neutron-server 240
  # nova-compute registers itself; map it into cell1
  local i=0
  until [ -n "$(sql 'select host from nova_api.host_mappings' 2>/dev/null | tail -n +2)" ]; do
    nova-manage --config-file "$NCONF" cell_v2 discover_hosts >> "$LOG/nova-manage-discover.log" 2>&1 || true
    i=$((i+1)); [ $i -gt 90 ] && { log "nova-compute never registered"; tail -40 "$LOG/nova-compute.log"; exit 1; }
    running nova-compute || { log "nova-compute died"; tail -40 "$LOG/nova-compute.log"; exit 1; }
    sleep 2
  done
  log "nova-compute mapped: $(sql 'select host from nova_api.host_mappings' | tail -n +2 | tr '\n' ' ')"
}

fake_qcow2() {
  [ -f "$DATA/cirros-fake.qcow2" ] || $PY - "$DATA/cirros-fake.qcow2" <<'PYEOF'
# minimal valid qcow2 v2 header for a 1 GiB virtual disk (no data clusters)
import struct, sys
cluster_bits = 16; size = 1 << 30
l1_size = (size + (1 << (cluster_bits*2-3)) - 1) >> (cluster_bits*2-3)
hdr = struct.pack('>4sIQIIQIIQQIIQ', b'QFI\xfb', 2, 0, 0, cluster_bits, size, 0,
                  l1_size, 3 << cluster_bits, 1 << cluster_bits, 1, 2 << cluster_bits, 0)
c = 1 << cluster_bits
img = bytearray(4 * c)
img[0:len(hdr)] = hdr
# refcount table at cluster 1 -> refcount block at cluster 2; l1 at cluster 3
struct.pack_into('>Q', img, c, 2 * c)
for i in range(4):
    struct.pack_into('>H', img, 2 * c + 2 * i, 1)
open(sys.argv[1], 'wb').write(img)
PYEOF
}

demo_resources() {
  [ -f "$DATA/stamps/demo-resources" ] && return 0
  log "creating flavors, image, public network"
  fake_qcow2
  OSR_CINDER=$OSR_CINDER ADMIN_PASS=$ADMIN_PASS HOST_IP=$HOST_IP REGION=$REGION IMG=$DATA/cirros-fake.qcow2 \
  $PY - <<'PYEOF' >> "$LOG/setup-demo.log" 2>&1 || { tail -30 "$LOG/setup-demo.log"; exit 1; }
import os, openstack
e = os.environ; h = e['HOST_IP']
c = openstack.connect(auth_url=f'http://{h}:5000/v3', username='admin', password=e['ADMIN_PASS'],
                      project_name='admin', user_domain_name='Default', project_domain_name='Default',
                      region_name=e['REGION'])
# The flavors and image of the simulator (pkg/simulator/seed.go), which the e2e framework
# names (test/e2e/framework), and e2e.overquota, whose vCPUs no quota below admits.
for name, vcpus, ram, disk in (('m1.tiny', 1, 512, 1), ('m1.small', 1, 2048, 20),
                               ('m1.medium', 2, 4096, 40), ('m1.large', 4, 8192, 80),
                               ('m1.xlarge', 8, 16384, 160), ('e2e.overquota', 40000, 4096, 10)):
    if not c.compute.find_flavor(name):
        c.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)
for name in ('cirros-fake', 'ubuntu-2404-kube-v1.36'):
    if not c.image.find_image(name):
        c.image.create_image(name=name, filename=e['IMG'], disk_format='qcow2',
                             container_format='bare', visibility='public', wait=True,
                             os_type='linux', architecture='x86_64')
demo = c.identity.find_project('demo', domain_id='default')
# Room for the e2e scenarios (a cluster of up to 8 servers at a time, a few clusters in turn).
c.set_compute_quotas(demo.id, instances=40, cores=100, ram=400000)
c.network.update_quota(demo.id, network=50, subnet=50, port=500, router=20, floatingip=50,
                       security_group=50, security_group_rule=500)
if e['OSR_CINDER'] == '1':
    if not c.block_storage.find_type('fake'):
        c.block_storage.create_type(name='fake', extra_specs={'volume_backend_name': 'fake'})
    c.set_volume_quotas(demo.id, volumes=40, gigabytes=4000, snapshots=40)
net = c.network.find_network('public')
if not net:
    net = c.network.create_network(name='public', is_router_external=True, is_shared=False,
                                   provider_network_type='flat', provider_physical_network='physnet1')
if not c.network.find_subnet('public-subnet'):
    c.network.create_subnet(name='public-subnet', network_id=net.id, ip_version=4,
                            cidr='203.0.113.0/24', gateway_ip='203.0.113.1', is_dhcp_enabled=False,
                            allocation_pools=[{'start': '203.0.113.10', 'end': '203.0.113.250'}])
print('demo resources ok')
PYEOF
  touch "$DATA/stamps/demo-resources"
}

write_clouds_yaml() {
  cat > "$OSR/clouds.yaml" <<EOF
clouds:
  capo-demo:
    auth:
      auth_url: http://$HOST_IP:5000/v3
      username: demo
      password: $DEMO_PASS
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
  capo-admin:
    auth:
      auth_url: http://$HOST_IP:5000/v3
      username: admin
      password: $ADMIN_PASS
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
EOF
}

###########################################################################
main() {
  install_packages
  setup_dirs
  start_mariadb
  start_rabbitmq
  setup_keystone
  register_catalog
  setup_glance
  setup_placement
  setup_nova
  setup_neutron
  if [ "$OSR_CINDER" = 1 ]; then setup_cinder; fi
  wait_all
  if [ "$OSR_CINDER" = 1 ]; then wait_http "http://$HOST_IP:8776/" cinder-api 180; fi
  demo_resources
  if [ "$OSR_OCTAVIA" = 1 ]; then
    setup_octavia
    wait_http "http://$HOST_IP:9876/" octavia-api 180
  fi
  write_clouds_yaml
  log "all services up in $(( $(date +%s) - T0 ))s; export OS_CLIENT_CONFIG_FILE=$OSR/clouds.yaml OS_CLOUD=capo-demo"
  cat "$OSR/clouds.yaml"
}
main "$@"
