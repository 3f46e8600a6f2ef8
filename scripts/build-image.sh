#!/usr/bin/env bash
# Build the base image of the local container site with debootstrap, from the
# host's own Debian mirror (no container registry is needed). The image is
# cached: its tag is a hash of this recipe, the mirror and the host's extra CA
# certificates, and it is rebuilt only when one of those changes.
#
# NODE_IMAGE_SUITE picks the Debian suite (default bookworm). The bookworm
# image is also tagged <repo>:current (what the demo and the tests use); any
# other suite is tagged <repo>:<suite>, e.g. hpcds-node:trixie for the
# overlay tests' pre-existing site.
#
# Prints progress on stderr and the image reference on stdout.
set -euo pipefail

repo="${NODE_IMAGE_REPO:-hpcds-node}"
suite="${NODE_IMAGE_SUITE:-bookworm}"
if [ "$suite" = bookworm ]; then alias_tag=current; else alias_tag=$suite; fi
packages=systemd,systemd-sysv,dbus,python3,python3-apt,sudo,ca-certificates,iproute2,iputils-ping,procps,less,gnupg

say() { echo "build-image: $*" >&2; }

# The host's own mirrors, as "URI SUITE" pairs from its apt sources (deb822
# and one-line formats; comments ignored), so no host name is written here.
apt_sources() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '/^[[:space:]]*#/ {next}
         /^URIs:/ {n=split($0, u, " ")} /^Suites:/ {m=split($0, s, " ")}
         /^[[:space:]]*$/ {for (i=2;i<=n;i++) for (j=2;j<=m;j++) print u[i], s[j]; n=0; m=0}
         END {for (i=2;i<=n;i++) for (j=2;j<=m;j++) print u[i], s[j]}' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1=="deb" {print ($2 ~ /^\[/ ? $3" "$4 : $2" "$3)}' "$f"
  done
}
sources=$(apt_sources)
# The mirror of the requested suite; a host that lists another release (a
# bookworm host building trixie) gives the URI of its own main suite (one
# without a dash) and its *-security suite: Debian's mirrors carry every
# release under the same URI.
mirror_of() {
  awk -v s="$1" '$2==s {print $1; exit}' <<<"$sources"
}
mirror="${DEBIAN_MIRROR:-$(mirror_of "$suite")}"
mirror="${mirror:-$(awk '$2 !~ /-/ && $1 ~ /^https?:/ {print $1; exit}' <<<"$sources")}"
security="${DEBIAN_SECURITY_MIRROR:-$(mirror_of "$suite-security")}"
security="${security:-$(awk '$2 ~ /-security$/ {print $1; exit}' <<<"$sources")}"
if [ -z "$mirror" ]; then
  say "no Debian mirror found in the host's apt sources; set DEBIAN_MIRROR" ; exit 1
fi

ca_files=$(find /usr/local/share/ca-certificates -type f -name '*.crt' 2>/dev/null | sort || true)
recipe_hash=$( { cat "$0"; echo "$suite $mirror $security"; for f in $ca_files; do sha256sum "$f"; done; } | sha256sum | cut -c1-12)
image="${repo}:${recipe_hash}"

if docker image inspect "$image" >/dev/null 2>&1; then
  say "cached image $image is current"
  docker tag "$image" "${repo}:${alias_tag}"
  echo "$image"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
fi

rootfs=$(mktemp -d /var/tmp/hpcds-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
say "debootstrap $suite from $mirror into $rootfs"
start=$(date +%s)
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
  || { tail -n 30 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

{
  echo "deb $mirror $suite main"
  echo "deb $mirror $suite-updates main"
  [ -n "$security" ] && echo "deb $security $suite-security main"
} >"$rootfs/etc/apt/sources.list"

# The site's extra certificate authorities (TLS-inspecting egress, private
# mirrors): without them pip inside a node cannot reach its package index.
for f in $ca_files; do cp "$f" "$rootfs/usr/local/share/ca-certificates/"; done
chroot "$rootfs" update-ca-certificates >/dev/null 2>&1

# A container has no console and no hardware: mask what would only fail.
for unit in getty@tty1.service console-getty.service systemd-udevd.service systemd-udev-trigger.service \
            systemd-firstboot.service systemd-modules-load.service sys-kernel-debug.mount; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
: >"$rootfs/etc/machine-id"
chroot "$rootfs" apt-get clean
# Package lists stay: nodes install from them at once, and refresh them
# when they are older than the roles' cache_valid_time.

tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' - "$image" >/dev/null
docker tag "$image" "${repo}:${alias_tag}"
say "built $image ($suite, tagged ${repo}:${alias_tag}) in $(( $(date +%s) - start )) s"
echo "$image"
