#!/usr/bin/env bash
# Make sure a Docker engine answers. When none does, install Debian's engine
# (docker.io) if it is missing and start dockerd in the background (hosts
# without systemd as PID 1, such as CI sandboxes, have nothing else to start it).
set -euo pipefail

log_dir="${DOCKERD_LOG_DIR:-/var/log}"

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: no Docker engine found; installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
fi
if ! command -v docker >/dev/null 2>&1; then
  echo "ensure-docker: docker client missing after install" >&2
  exit 1
fi

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl start docker
else
  echo "ensure-docker: starting dockerd (log: ${log_dir}/dockerd.log)"
  nohup dockerd >"${log_dir}/dockerd.log" 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "ensure-docker: engine answers ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
echo "ensure-docker: the Docker engine did not answer within 60 s; see ${log_dir}/dockerd.log" >&2
exit 1
