#!/usr/bin/env bash
# Builds the .NET base images that deploy/Dockerfile.* start FROM, without any image registry, and
# tags them with the names real users pull:
#
#   mcr.microsoft.com/dotnet/runtime-deps:10.0   Debian bookworm (minbase) + .NET native deps
#   mcr.microsoft.com/dotnet/runtime:10.0        + Microsoft.NETCore.App
#   mcr.microsoft.com/dotnet/aspnet:10.0         + Microsoft.AspNetCore.App
#   mcr.microsoft.com/dotnet/sdk:10.0            + the .NET SDK
#
# Where a registry is reachable you do not need this script: `docker compose up --build` pulls the
# real images. Here (no registry, see shared/DESIGN.md "Docker") the root file system comes from
# debootstrap against the Debian mirror the host's apt uses, and .NET is copied from the host's
# installation ($DOTNET_ROOT, default /usr/share/dotnet), so the same Dockerfiles build in both places.
#
# Usage: deploy/build-base-images.sh [--force] [--mirror URL] [--dotnet-root DIR] [--no-host-ca] [--keep-work]
#   --force        rebuild even if the tags exist (default: skip every image whose tag exists)
#   --mirror URL   Debian mirror for debootstrap (default: the first Debian URI in the host's apt sources)
#   --dotnet-root  where to copy .NET from (default: $DOTNET_ROOT or /usr/share/dotnet)
#   --no-host-ca   do not trust the host's extra CAs (/usr/local/share/ca-certificates) in the images;
#                  by default they are trusted so a TLS-intercepting mirror or proxy that the host
#                  trusts (NuGet restore inside the sdk image) works inside the containers too
#   --keep-work    keep the work directory (rootfs) for inspection
#
# Needs root (debootstrap, chroot). Installs debootstrap and docker.io with apt-get if they are
# missing, and starts dockerd in the background if no daemon answers (log: /var/log/dockerd.log).
set -euo pipefail

REGISTRY_PREFIX="mcr.microsoft.com/dotnet"
CHANNEL="10.0"
SUITE="bookworm"
APP_UID=1654                      # the non-root user of the real images ("app", uid/gid 1654)
FORCE=0
MIRROR=""
HOST_CA=1
KEEP_WORK=0
DOTNET_DIR="${DOTNET_ROOT:-/usr/share/dotnet}"
WORK="${EDGESPLIT_BASE_WORK:-/var/tmp/edgesplit-base-images}"

log() { printf '\033[1m[base-images]\033[0m %s\n' "$*"; }
die() { printf '[base-images] error: %s\n' "$*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) FORCE=1 ;;
    --mirror) MIRROR="${2:?--mirror needs a URL}"; shift ;;
    --dotnet-root) DOTNET_DIR="${2:?--dotnet-root needs a directory}"; shift ;;
    --no-host-ca) HOST_CA=0 ;;
    --keep-work) KEEP_WORK=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap and chroot need it)"

# ---- tools -------------------------------------------------------------------------------------
need_pkgs=()
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
if [[ ${#need_pkgs[@]} -gt 0 ]]; then
  log "installing ${need_pkgs[*]} with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  log "no Docker daemon answers: starting 'dockerd > /var/log/dockerd.log 2>&1 &'"
  nohup dockerd > /var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || die "dockerd did not come up; see /var/log/dockerd.log"
fi

# ---- versions from the host's .NET -------------------------------------------------------------
[[ -x "$DOTNET_DIR/dotnet" ]] || die "no .NET at $DOTNET_DIR (use --dotnet-root)"
newest() { # newest version directory under $1 matching the channel
  find "$1" -mindepth 1 -maxdepth 1 -type d -name "${CHANNEL}.*" -printf '%f\n' 2>/dev/null | sort -V | tail -n1
}
RUNTIME_VERSION=$(newest "$DOTNET_DIR/shared/Microsoft.NETCore.App")
ASPNET_VERSION=$(newest "$DOTNET_DIR/shared/Microsoft.AspNetCore.App")
FXR_VERSION=$(newest "$DOTNET_DIR/host/fxr")
SDK_VERSION=$(find "$DOTNET_DIR/sdk" -mindepth 1 -maxdepth 1 -type d -name "${CHANNEL%%.*}.*" -printf '%f\n' 2>/dev/null | sort -V | tail -n1)
[[ -n "$RUNTIME_VERSION" ]] || die "no Microsoft.NETCore.App $CHANNEL.* under $DOTNET_DIR/shared"
[[ -n "$ASPNET_VERSION" ]] || die "no Microsoft.AspNetCore.App $CHANNEL.* under $DOTNET_DIR/shared"
[[ -n "$FXR_VERSION" ]] || die "no host/fxr $CHANNEL.* under $DOTNET_DIR"
[[ -n "$SDK_VERSION" ]] || die "no SDK ${CHANNEL%%.*}.* under $DOTNET_DIR/sdk"
log ".NET from $DOTNET_DIR: runtime $RUNTIME_VERSION, aspnet $ASPNET_VERSION, sdk $SDK_VERSION"

if [[ -z "$MIRROR" ]]; then
  MIRROR=$( { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
              grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
            | grep -E '/debian/?$' | head -n1 || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi

tag_exists() { docker image inspect "$1" >/dev/null 2>&1; }
offline_label='com.edgesplit.offline-base=true'

# ---- runtime-deps: debootstrap + docker import ---------------------------------------------------
build_runtime_deps() {
  local tag="$REGISTRY_PREFIX/runtime-deps:$CHANNEL"
  if tag_exists "$tag" && [[ $FORCE -eq 0 ]]; then log "$tag exists (use --force to rebuild)"; return; fi
  local rootfs="$WORK/rootfs"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  # .NET's native dependencies (https://learn.microsoft.com/dotnet/core/install/linux-debian) plus
  # ca-certificates and curl (handy for `docker exec ... curl --http2-prior-knowledge`).
  local include=ca-certificates,curl,libc6,libgcc-s1,libicu72,libssl3,libstdc++6,tzdata,zlib1g
  log "debootstrap --variant=minbase $SUITE from $MIRROR (a minute or two)"
  debootstrap --variant=minbase --include="$include" "$SUITE" "$rootfs" "$MIRROR" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (full log: $WORK/debootstrap.log)"; }

  # Name resolution for apt inside the chroot: the host's view (its mirror may live in /etc/hosts).
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"; cp /etc/hosts "$rootfs/etc/hosts"
  local security="${MIRROR%/debian*}/debian-security"
  cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $security $SUITE-security main
EOF
  log "applying $SUITE-updates / $SUITE-security"
  if ! { chroot "$rootfs" apt-get update -qq && DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get -y -qq upgrade; } > "$WORK/upgrade.log" 2>&1; then
    log "warning: security/updates not applied (mirror lacks them?); see $WORK/upgrade.log"
    printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$rootfs/etc/apt/sources.list"
  fi

  if [[ $HOST_CA -eq 1 ]] && compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    log "trusting the host's extra CAs: $(cd /usr/local/share/ca-certificates && echo *.crt)"
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates > /dev/null 2>&1
  fi

  chroot "$rootfs" groupadd --gid "$APP_UID" app
  chroot "$rootfs" useradd --uid "$APP_UID" --gid "$APP_UID" --shell /bin/false --create-home app

  # Small: no apt lists, caches, docs, man pages, translations. Docker supplies resolv.conf/hosts.
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/debconf/*-old \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
         "$rootfs"/usr/share/locale/* "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.bash_history
  : > "$rootfs/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n' > "$rootfs/etc/hosts"

  log "docker import -> $tag"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    -c "ENV APP_UID=$APP_UID ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true" \
    -c "LABEL $offline_label" \
    -c 'CMD ["bash"]' \
    -m "EdgeSplit offline base: debootstrap $SUITE minbase + .NET native dependencies" \
    - "$tag" > /dev/null
  [[ $KEEP_WORK -eq 1 ]] || rm -rf "$rootfs"
}

# ---- runtime / aspnet / sdk: layers copied from the host's .NET ----------------------------------
# The build context is streamed as a tar (Dockerfile + parts of $DOTNET_DIR), so nothing is copied twice.
layer() { # layer TAG FROM ENVS -- PATHS...
  local tag="$1" from="$2" envs="$3"; shift 4
  local extra_tags=("${EXTRA_TAGS[@]}")
  if tag_exists "$tag" && [[ $FORCE -eq 0 ]]; then log "$tag exists (use --force to rebuild)"; return; fi
  local ctx="$WORK/ctx-${tag##*/}"; rm -rf "$ctx"; mkdir -p "$ctx"
  cat > "$ctx/Dockerfile" <<EOF
FROM $from
ENV $envs
LABEL $offline_label
COPY . /usr/share/dotnet/
RUN ln -sf /usr/share/dotnet/dotnet /usr/bin/dotnet && dotnet --info > /dev/null
EOF
  printf 'Dockerfile\n.dockerignore\n' > "$ctx/.dockerignore"
  log "docker build -> $tag"
  local tflags=(-t "$tag"); for t in "${extra_tags[@]}"; do tflags+=(-t "$t"); done
  tar -c -C "$ctx" Dockerfile .dockerignore -C "$DOTNET_DIR" "$@" \
    | DOCKER_BUILDKIT=0 docker build -q "${tflags[@]}" - > /dev/null 2> "$WORK/build-${tag##*/}.log" \
    || { grep -v DEPRECATED "$WORK/build-${tag##*/}.log" >&2 || true; die "docker build of $tag failed"; }
  rm -rf "$ctx"
}

mkdir -p "$WORK"
build_runtime_deps

EXTRA_TAGS=("$REGISTRY_PREFIX/runtime:$RUNTIME_VERSION")
layer "$REGISTRY_PREFIX/runtime:$CHANNEL" "$REGISTRY_PREFIX/runtime-deps:$CHANNEL" \
  "DOTNET_VERSION=$RUNTIME_VERSION" -- \
  dotnet LICENSE.txt ThirdPartyNotices.txt "host/fxr/$FXR_VERSION" "shared/Microsoft.NETCore.App/$RUNTIME_VERSION"

EXTRA_TAGS=("$REGISTRY_PREFIX/aspnet:$ASPNET_VERSION")
layer "$REGISTRY_PREFIX/aspnet:$CHANNEL" "$REGISTRY_PREFIX/runtime:$CHANNEL" \
  "ASPNET_VERSION=$ASPNET_VERSION" -- \
  "shared/Microsoft.AspNetCore.App/$ASPNET_VERSION"

sdk_parts=("sdk/$SDK_VERSION" packs sdk-manifests templates)
for optional in metadata dnx; do [[ -e "$DOTNET_DIR/$optional" ]] && sdk_parts+=("$optional"); done
EXTRA_TAGS=("$REGISTRY_PREFIX/sdk:$SDK_VERSION")
layer "$REGISTRY_PREFIX/sdk:$CHANNEL" "$REGISTRY_PREFIX/aspnet:$CHANNEL" \
  "DOTNET_SDK_VERSION=$SDK_VERSION DOTNET_NOLOGO=true DOTNET_CLI_TELEMETRY_OPTOUT=true DOTNET_GENERATE_ASPNET_CERTIFICATE=false NUGET_XMLDOC_MODE=skip" -- \
  "${sdk_parts[@]}"

[[ $KEEP_WORK -eq 1 ]] || rm -rf "$WORK"
log "done:"
docker image ls --format '  {{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -F "$REGISTRY_PREFIX/" | sort
