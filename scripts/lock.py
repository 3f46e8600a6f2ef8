#!/usr/bin/env python3
"""Make the bundle's lock files: pinned requirements with hashes.

Every ``roles/*/files/locks/<name>.in`` (top-level pins, one per line; ``-r
other.in`` includes another input) is compiled by ``uv pip compile
--generate-hashes`` into one lock per supported target beside it,
``<name>.cp311.lock`` and ``<name>.cp313.lock`` (PYTHON_VERSIONS: Debian 12's
CPython 3.11 and Debian 13's 3.13, both on PLATFORM, x86_64). The roles pick
the lock of the host's Python. Each lock starts with a header naming its
target and the sha256 of its inputs, so the unit tests can tell a lock that
no longer matches its input.

    scripts/lock.py                    # every role's lock for every target (make lock)
    scripts/lock.py --upgrade          # and move every indirect pin to its newest release
    scripts/lock.py roles/jupyterhub/files/locks/hub-pam.in --python-version 3.13
                                       # one input, one target: hub-pam.cp313.lock beside it
    scripts/lock.py roles/jupyterhub/files/locks/hub-pam.in \\
        --python-version 3.12 --platform aarch64-manylinux_2_28 \\
        --output inventories/site/files/hub.lock   # a site's own lock

An existing output is kept as the preference: only what an input changed
moves, unless --upgrade is given. A lock made for a new target starts from
the preferences of the input's lock for another target, so the targets pin
the same versions wherever the target allows. uv comes from the repository's
venv (requirements.txt) or PATH; the index is PyPI, or UV_INDEX_URL.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import (  # noqa: E402
    inputs_digest,
    lock_name,
)

# The targets of the bundle's locks: every input gets a lock for each of
# these Pythons on PLATFORM (Debian 12's and Debian 13's python3).
PYTHON_VERSIONS = ("3.11", "3.13")
PLATFORM = "x86_64-manylinux_2_28"
INPUTS_GLOB = "roles/*/files/locks/*.in"
INCLUDE_RE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)[=\s]+(?P<path>\S+)")


def role_inputs(root=ROOT):
    """Every role's lock input, sorted."""
    return sorted(pathlib.Path(root).glob(INPUTS_GLOB))


def input_files(path, seen=None):
    """The input file and every file it includes (-r/-c), depth first, each
    once."""
    path = pathlib.Path(path).resolve()
    seen = [] if seen is None else seen
    if path in seen:
        return seen
    seen.append(path)
    for line in path.read_text(encoding="utf-8").splitlines():
        match = INCLUDE_RE.match(line)
        if match:
            input_files(path.parent / match["path"], seen)
    return seen


def digest_of(path, python_version, platform):
    """The inputs-sha256 of the lock of input `path`."""
    texts = [p.read_text(encoding="utf-8") for p in input_files(path)]
    return inputs_digest(texts, python_version, platform)


def header(path, python_version, platform, command):
    """The lines scripts/lock.py puts before uv's output."""
    return (
        f"# Lock of {pathlib.Path(path).name}: every package pinned, with the sha256 of its files.\n"
        f"# Made by `{command}`; do not edit: change the input and run it again.\n"
        f"# python: {python_version}\n"
        f"# platform: {platform}\n"
        f"# inputs-sha256: {digest_of(path, python_version, platform)}\n"
    )


def uv_command(uv, source, output, python_version, platform, upgrade):
    """The uv pip compile command line for one lock."""
    command = [uv, "pip", "compile", "--quiet", "--no-header", "--generate-hashes",
               "--python-version", python_version, "--python-platform", platform,
               "--output-file", str(output), str(source)]
    if upgrade:
        command.append("--upgrade")
    return command


def find_uv():
    """uv of the repository's venv, else the one on PATH."""
    venv_uv = ROOT / ".venv" / "bin" / "uv"
    found = str(venv_uv) if venv_uv.exists() else shutil.which("uv")
    if not found:
        sys.exit("lock: uv not found: run `make venv` (requirements.txt installs it) or put uv on PATH")
    return found


def target_output(source, python_version):
    """The default lock of input `source` for a Python: <name>.cp311.lock beside it."""
    source = pathlib.Path(source)
    return source.with_name(lock_name(source.stem, python_version))


def preferences(source, output):
    """The lock whose pins uv prefers: the output itself, or, for a target
    not locked yet, the input's lock for another target (None: no preference)."""
    if output.exists():
        return output
    siblings = sorted(target_output(source, version) for version in PYTHON_VERSIONS)
    return next((path for path in siblings if path.exists()), None)


def lock_one(uv, source, output, python_version, platform, upgrade, command):
    """Compile one input into its lock; True when the lock changed."""
    source = pathlib.Path(source).resolve()
    output = pathlib.Path(output).resolve()
    old = output.read_text(encoding="utf-8") if output.exists() else None
    preferred = preferences(source, output)
    with tempfile.TemporaryDirectory() as tmp:
        draft = pathlib.Path(tmp) / "draft.lock"
        if preferred is not None:
            # The existing pins are uv's preferences: only what changed moves.
            draft.write_text(preferred.read_text(encoding="utf-8"), encoding="utf-8")
        # Run beside the input so that uv's "via -r" notes name it relatively.
        subprocess.run(uv_command(uv, source.name, draft, python_version, platform, upgrade),
                       cwd=source.parent, check=True)
        new = header(source, python_version, platform, command) + draft.read_text(encoding="utf-8")
    if new != old:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(new, encoding="utf-8")
    return new != old


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("inputs", nargs="*", type=pathlib.Path,
                        help=f"input files (default: every {INPUTS_GLOB})")
    parser.add_argument("--output", "-o", type=pathlib.Path,
                        help="the lock to write (one input and --python-version only; default:"
                             " <input>.cp<XY>.lock beside it)")
    parser.add_argument("--python-version",
                        help=f"target Python (default: each of {', '.join(PYTHON_VERSIONS)})")
    parser.add_argument("--platform", default=PLATFORM, help=f"target platform, as uv names it (default {PLATFORM})")
    parser.add_argument("--upgrade", action="store_true", help="move every pin to its newest allowed release")
    args = parser.parse_args(argv)
    if args.output and len(args.inputs) != 1:
        parser.error("--output needs exactly one input")
    if args.output and not args.python_version:
        parser.error("--output needs --python-version (the Python of the hosts that install the lock)")
    return args


def targets(args):
    """The Python versions to lock for: the one asked for, or every supported one."""
    return (args.python_version,) if args.python_version else PYTHON_VERSIONS


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    inputs = args.inputs or role_inputs()
    default_targets = args.python_version is None and args.platform == PLATFORM
    command = "make lock" if not args.inputs and default_targets else "scripts/lock.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    uv = find_uv()
    os.environ.setdefault("UV_NO_PROGRESS", "1")
    for source in inputs:
        for python_version in targets(args):
            output = args.output or target_output(source, python_version)
            changed = lock_one(uv, source, output, python_version, args.platform, args.upgrade, command)
            print(f"lock: {output} {'updated' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
