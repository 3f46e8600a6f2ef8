#!/usr/bin/env bash
# Build the JupyterLab extension hpc-datasci-session (extensions/hpc_datasci_session)
# into a wheel in build/extension/, and install it into build/extension/venv:
# the notebook environment from its lock (roles/curated_envs/files/locks) for
# this machine's /usr/bin/python3, which the extension's tests run. Node.js and npm
# are Debian's when missing; the npm packages are the committed
# package-lock.json's (npm ci). Each step is skipped while its input is
# unchanged, so a second run takes seconds.
#
#   scripts/build-extension.sh          # build, install into the test venv
#   scripts/build-extension.sh --ship   # and put the wheel into the role
#       (roles/curated_envs/files/wheels), whose lock then needs `make lock`
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ext=$root/extensions/hpc_datasci_session
out=$root/build/extension
venv=$out/venv
uv=$root/.venv/bin/uv

if ! command -v npm >/dev/null 2>&1; then
  echo "build-extension: installing Debian's nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
fi

# The notebook environment's lock for this python3 (cp311, cp313, ...).
tag=$(/usr/bin/python3 -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
lock=$root/roles/curated_envs/files/locks/notebook.$tag.lock
[ -f "$lock" ] || { echo "build-extension: no notebook lock for /usr/bin/python3 ($lock)" >&2; exit 1; }
stamp=$(sha256sum "$lock" | cut -d' ' -f1)
if [ "$(cat "$venv/.lock.sha256" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  "$uv" venv -q --python /usr/bin/python3 "$venv"
  # The lock pins this extension's shipped wheel, found in the role's wheels.
  "$uv" pip install -q --python "$venv/bin/python" --require-hashes \
    --find-links "$root/roles/curated_envs/files/wheels" -r "$lock"
  echo "$stamp" >"$venv/.lock.sha256"
fi

cd "$ext"
stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.package-lock.sha256 2>/dev/null)" != "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$stamp" >node_modules/.package-lock.sha256
fi
# The lab extension against the JupyterLab of the lock (its core packages
# are shared, not bundled), with @jupyterlab/builder's own command, which
# runs on Debian 12's Node.js 18 too.
rm -rf lib hpc_datasci_session/labextension
JUPYTERLAB_CORE_PATH=$("$venv/bin/python" -c \
  'import jupyterlab, pathlib; print(pathlib.Path(jupyterlab.__file__).parent / "staging")') \
  npm run --silent build >/dev/null

rm -f "$out"/hpc_datasci_session-*.whl
"$uv" build -q --wheel --out-dir "$out" "$ext"
wheel=$(ls "$out"/hpc_datasci_session-*.whl)
"$uv" pip install -q --python "$venv/bin/python" --reinstall --no-deps "$wheel"
echo "build-extension: $(basename "$wheel") sha256 $(sha256sum "$wheel" | cut -d' ' -f1)"

if [ "${1:-}" = --ship ]; then
  wheels=$root/roles/curated_envs/files/wheels
  mkdir -p "$wheels"
  rm -f "$wheels"/hpc_datasci_session-*.whl
  cp "$wheel" "$wheels/"
  echo "build-extension: shipped in $wheels; run \`make lock\` to pin it in the notebook locks"
fi
