# shellcheck shell=bash
# Helpers shared by scripts/up and scripts/test: make sure the local PostgreSQL and
# Redis the project uses are installed, running and reachable, installing them with
# apt-get when they are missing. Source this file; do not run it.
#
#   ensure_postgres        PostgreSQL on 127.0.0.1:5432, login postgres/postgres
#   ensure_redis           Redis on 127.0.0.1:6379
#   ensure_database NAME   create database NAME unless it exists
#   ensure_chromium        headless Chromium and chromedriver, for the browser tests
#
# Progress goes to stderr as short "==> ..." lines. Any failure prints one
# "error: ..." line and exits the calling script.

readonly FB_PG_HOST=127.0.0.1
readonly FB_PG_PORT=5432
readonly FB_PG_USER=postgres
readonly FB_PG_PASSWORD=postgres
readonly FB_REDIS_HOST=127.0.0.1
readonly FB_REDIS_PORT=6379

# The repository root (this file lives in scripts/lib/).
FB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Where local run-time state (secrets, Redis log) is kept; gitignored.
FB_RUN_DIR="$FB_ROOT/.run"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# as_root CMD...: run CMD as root, through sudo when we are not root.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "'$*' needs root: run as root or install sudo"
  fi
}

# apt_install PKG...: install Debian packages (apt-get update runs once per script).
FB_APT_UPDATED=
apt_install() {
  command -v apt-get >/dev/null 2>&1 ||
    die "$* missing and there is no apt-get: install $* yourself (see README.md)"
  if [[ -z $FB_APT_UPDATED ]]; then
    log "apt-get update"
    as_root apt-get update -q >&2 || die "apt-get update failed"
    FB_APT_UPDATED=1
  fi
  log "installing $*"
  # Only what is asked for: a Recommends may be a daemon whose post-install script
  # tries to start it (docker-compose recommends docker.io), which fails where the
  # machine allows no daemons (a container, a chroot, many CI runners).
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
    die "apt-get install $* failed"
}

# wait_until SECONDS WHAT CMD...: retry CMD every 0.5 s until it succeeds; die after SECONDS.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what did not come up within ${seconds} s"
    sleep 0.5
  done
}

# --- PostgreSQL ---------------------------------------------------------------

pg_ready() {
  command -v pg_isready >/dev/null 2>&1 &&
    pg_isready -q -h "$FB_PG_HOST" -p "$FB_PG_PORT" -t 2
}

# psql_admin ARGS...: psql as postgres/postgres over TCP, quiet, unaligned, stop on error.
psql_admin() {
  PGPASSWORD=$FB_PG_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -q -A -t -v ON_ERROR_STOP=1 \
    -h "$FB_PG_HOST" -p "$FB_PG_PORT" -U "$FB_PG_USER" "$@"
}

pg_password_login_works() {
  psql_admin -d postgres -c 'select 1' >/dev/null 2>&1
}

# Set the postgres user's password through the local socket (peer authentication).
pg_set_password() {
  log "setting the password of the PostgreSQL user postgres"
  (cd / && as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 \
    -c "ALTER USER postgres PASSWORD '$FB_PG_PASSWORD'") ||
    die "could not set the password of the PostgreSQL user postgres"
}

# The newest PostgreSQL server version installed from Debian packages, or nothing.
pg_server_version() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/postgres; do
    if [[ -x $bin ]]; then basename "$(dirname "$(dirname "$bin")")"; fi
  done | sort -V | tail -n 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pg_start_local_cluster() {
  local version
  version=$(pg_server_version)
  if [[ -z $version ]] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    die "PostgreSQL is not answering on $FB_PG_HOST:$FB_PG_PORT and is not a Debian install this script can start: start it yourself"
  fi
  if [[ ! -d /etc/postgresql/$version/main ]]; then
    log "creating PostgreSQL $version cluster main"
    as_root pg_createcluster "$version" main >&2 || die "pg_createcluster $version main failed"
  fi
  log "starting PostgreSQL $version"
  # Works without systemd (containers); fails harmlessly when the cluster already runs.
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 ||
    pg_ready || die "pg_ctlcluster $version main start failed; PostgreSQL must listen on $FB_PG_HOST:$FB_PG_PORT (see /etc/postgresql/$version/main/postgresql.conf)"
}

ensure_postgres() {
  local installed_now=
  if ! pg_ready && [[ -z $(pg_server_version) ]] && ! port_open "$FB_PG_HOST" "$FB_PG_PORT"; then
    apt_install postgresql
    installed_now=1
  fi
  if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
    apt_install postgresql-client
  fi
  # apt-get may already have started it (systemd); otherwise start it ourselves.
  if ! pg_ready; then
    pg_start_local_cluster
    log "waiting for PostgreSQL on $FB_PG_HOST:$FB_PG_PORT"
    wait_until 30 "PostgreSQL on $FB_PG_HOST:$FB_PG_PORT" pg_ready
  fi
  # A fresh Debian install authenticates TCP logins by password (scram): give postgres one.
  if [[ -n $installed_now ]] || ! pg_password_login_works; then
    [[ -n $(pg_server_version) ]] ||
      die "cannot log in to PostgreSQL on $FB_PG_HOST:$FB_PG_PORT as $FB_PG_USER/$FB_PG_PASSWORD, and it is not a local install this script can configure"
    pg_set_password
    pg_password_login_works ||
      die "cannot log in to PostgreSQL on $FB_PG_HOST:$FB_PG_PORT as $FB_PG_USER/$FB_PG_PASSWORD (check pg_hba.conf)"
  fi
  log "PostgreSQL is ready on $FB_PG_HOST:$FB_PG_PORT"
}

# ensure_database NAME: create the database unless it exists.
ensure_database() {
  local name=${1:?ensure_database needs a database name}
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name '$name' (use [a-z0-9_])"
  local exists
  exists=$(psql_admin -d postgres -c "select 1 from pg_database where datname = '$name'") ||
    die "could not query PostgreSQL for database $name"
  if [[ $exists != 1 ]]; then
    log "creating database $name"
    # A concurrent creator may win the race; that is fine as long as the database exists.
    psql_admin -d postgres -c "create database \"$name\"" >/dev/null 2>&1 ||
      [[ $(psql_admin -d postgres -c "select 1 from pg_database where datname = '$name'") == 1 ]] ||
      die "could not create database $name"
  fi
}

# --- Redis --------------------------------------------------------------------

redis_ready() {
  [[ $(redis-cli -h "$FB_REDIS_HOST" -p "$FB_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

ensure_redis() {
  if ! command -v redis-cli >/dev/null 2>&1; then
    # redis-server depends on redis-tools (redis-cli); a server running elsewhere needs only the tools.
    if command -v redis-server >/dev/null 2>&1; then
      apt_install redis-tools
    else
      apt_install redis-server
    fi
  fi
  redis_ready && {
    log "Redis is ready on $FB_REDIS_HOST:$FB_REDIS_PORT"
    return 0
  }
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  # apt-get may already have started it (systemd); otherwise start it ourselves.
  if ! redis_ready; then
    local dir="$FB_RUN_DIR/redis"
    mkdir -p "$dir"
    log "starting Redis on $FB_REDIS_HOST:$FB_REDIS_PORT (log: $dir/redis.log)"
    redis-server --daemonize yes --bind "$FB_REDIS_HOST" --port "$FB_REDIS_PORT" \
      --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" >&2 ||
      die "redis-server did not start (see $dir/redis.log)"
    wait_until 30 "Redis on $FB_REDIS_HOST:$FB_REDIS_PORT" redis_ready
  fi
  log "Redis is ready on $FB_REDIS_HOST:$FB_REDIS_PORT"
}

# --- Chromium -----------------------------------------------------------------

chromium_ready() {
  [[ -x /usr/bin/chromium ]] &&
    { command -v chromedriver >/dev/null 2>&1 || [[ -x /usr/lib/chromium/chromedriver ]]; }
}

# ensure_chromium: Debian's chromium and chromium-driver, installed when missing. When
# they cannot be installed, say so and carry on: the browser tests then skip themselves.
ensure_chromium() {
  if chromium_ready; then
    log "Chromium and chromedriver are installed"
    return 0
  fi
  # A subshell, so that a failed install warns instead of ending the caller.
  if (apt_install chromium chromium-driver) && chromium_ready; then
    log "Chromium and chromedriver are installed"
  else
    log "warning: could not install chromium and chromium-driver; the browser tests will be skipped"
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  local port
  for _ in {1..50}; do
    port=$((20000 + RANDOM % 30000))
    if ! port_open 127.0.0.1 "$port"; then
      echo "$port"
      return 0
    fi
  done
  die "no free port found"
}
