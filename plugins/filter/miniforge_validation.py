"""Checks of the miniforge role's settings.

``miniforge_errors`` takes a dict of the role's inputs and returns a list of
problems, each naming the variable and the fix. It runs twice: in the first
play on the control machine (no ``arch``: the settings alone), and on each
host before anything is installed there (``arch``: the host's architecture
from its facts, which the first play does not have).
"""

from __future__ import annotations

import os
import re

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _checksum_errors(settings, arch):
    version = settings.get("version")
    given = settings.get("installer_sha256") or ""
    if given:
        if not SHA256_RE.match(given):
            return [f"miniforge_installer_sha256 ({given}) is not a sha256: give 64 lowercase hex digits."]
        return []
    known = (settings.get("checksums") or {}).get(version) or {}
    if arch is None and not known:
        return [f"miniforge_installer_sha256 is not set and miniforge_checksums has no entry for version {version}:"
                " add the published sha256 of its installers, or set miniforge_installer_sha256 (64 hex digits)."]
    if arch is not None and not SHA256_RE.match(str(known.get(arch, ""))):
        return [f"miniforge_installer_sha256 is not set and miniforge_checksums has no sha256 for version {version}"
                f" on {arch}: add it, or set miniforge_installer_sha256 (64 hex digits)."]
    return []


def miniforge_errors(settings):
    """Problems of the Miniforge settings (see the module's docstring)."""
    errors = []
    arch = None
    host_arch = settings.get("arch") or ""
    if host_arch:
        architectures = settings.get("architectures") or {}
        arch = architectures.get(host_arch)
        if not arch:
            return [f"miniforge: no installer for architecture {host_arch} (miniforge_architectures knows"
                    f" {', '.join(architectures)})."]
    errors.extend(_checksum_errors(settings, arch))
    install_host = settings.get("install_host") or ""
    hosts = settings.get("hosts") or []
    if settings.get("shared_storage") and install_host and install_host not in hosts:
        errors.append(f"miniforge_install_host ({install_host}) is not among the hosts of this play"
                      f" ({', '.join(hosts)}).")
    path = settings.get("installer_path") or ""
    if path and not os.path.isfile(path):
        errors.append(f"miniforge_installer_path {path} does not exist on the control machine.")
    return errors


class FilterModule:
    """The miniforge role's checks."""

    def filters(self):
        return {"miniforge_errors": miniforge_errors}
