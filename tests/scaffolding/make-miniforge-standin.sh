#!/usr/bin/env bash
# Writes a STAND-IN for the Miniforge3 installer, for tests on machines that
# cannot download the real one. It follows the installer's command-line
# contract (-b batch, -p PREFIX, -u update, -f force, -h help) and lays out
# the paths the bundle relies on (bin/conda, condabin/conda,
# etc/profile.d/conda.sh, bin/python), and it says loudly, when run and from
# every `conda` call, that it is not Miniforge. It cannot build conda
# environments. When a real installer is given (MINIFORGE_INSTALLER), the
# tests use that instead.
#
# Usage: make-miniforge-standin.sh OUTPUT  (also writes OUTPUT.sha256)
set -euo pipefail
out=${1:?usage: make-miniforge-standin.sh OUTPUT}
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
cat >"$tmp" <<'INSTALLER'
#!/bin/bash
# STAND-IN for the Miniforge3 installer (test scaffolding, not Miniforge).
set -eu
echo "*** STAND-IN MINIFORGE INSTALLER: this is test scaffolding, not the real Miniforge3 ***"
prefix="$HOME/miniforge3"; batch=0; update=0; force=0
while getopts "bfhp:stu" opt; do
  case "$opt" in
    b) batch=1 ;; f) force=1 ;; u) update=1 ;; p) prefix=$OPTARG ;; s|t) ;;
    h) echo "usage: $0 [-b] [-f] [-h] [-p PREFIX] [-s] [-u] [-t]"; exit 0 ;;
    *) exit 2 ;;
  esac
done
[ "$batch" = 1 ] || { echo "stand-in: only batch mode (-b) is supported" >&2; exit 2; }
if [ -e "$prefix" ] && [ "$update" = 0 ] && [ "$force" = 0 ]; then
  echo "ERROR: File or directory already exists: '$prefix'" >&2
  echo "If you want to update an existing installation, use the -u option." >&2
  exit 1
fi
mkdir -p "$prefix/bin" "$prefix/condabin" "$prefix/etc/profile.d" "$prefix/conda-meta" "$prefix/envs" "$prefix/pkgs"
ln -sf /usr/bin/python3 "$prefix/bin/python"
cat >"$prefix/bin/conda" <<EOF
#!/bin/sh
# STAND-IN conda (test scaffolding, not Miniforge).
echo "conda stand-in: not the real Miniforge; it cannot create environments" >&2
case "\${1:-}" in
  --version|-V) echo "conda 25.3.0 (stand-in)" ;;
  info) echo "     active env location : (stand-in)"; echo "       base environment : $prefix (read only)"; echo "   stand-in installation : yes" ;;
  *) echo "conda stand-in: '\$*' needs the real Miniforge installer (MINIFORGE_INSTALLER)" >&2; exit 2 ;;
esac
EOF
chmod 0755 "$prefix/bin/conda"
ln -sf ../bin/conda "$prefix/condabin/conda"
cat >"$prefix/etc/profile.d/conda.sh" <<EOF
# STAND-IN conda.sh (test scaffolding, not Miniforge).
export CONDA_EXE="$prefix/bin/conda"
case ":\$PATH:" in *":$prefix/condabin:"*) ;; *) export PATH="$prefix/condabin:\$PATH" ;; esac
conda() {
    case "\${1:-}" in
        activate) __t="\${2:-$prefix}"; [ -d "\$__t" ] || __t="\$HOME/.conda/envs/\$2"
                  [ -d "\$__t" ] || { echo "stand-in conda: no environment \$2" >&2; return 1; }
                  export CONDA_PREFIX="\$__t"; export PATH="\$__t/bin:\$PATH" ;;
        deactivate) unset CONDA_PREFIX ;;
        *) "\$CONDA_EXE" "\$@" ;;
    esac
}
EOF
echo "stand-in Miniforge $(date -u +%Y-%m-%d)" >"$prefix/conda-meta/history"
echo "STAND-IN: installed the stand-in Miniforge into $prefix"
INSTALLER
chmod 0644 "$tmp"
mv "$tmp" "$out"
sha256sum "$out" | cut -d' ' -f1 >"$out.sha256"
echo "$out"
