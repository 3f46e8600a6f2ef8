# -*- coding: utf-8 -*-
"""The platforms the bundle is tested on, and the check that refuses others.

One definition: every role's meta/main.yml names these platforms (a unit
test compares them), README.md shows them, and the first
play gathers each host's distribution and stops on any other, before a host
is changed.

- managed mode (the bundle installs Slurm 22.05 from Debian): Debian 12.
- overlay mode (the site's Slurm; tested with Slurm 24.11 from Debian):
  Debian 13.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

# slurm_mode -> [(distribution, major version, codename)]
TESTED_PLATFORMS = {
    "managed": [("Debian", "12", "bookworm")],
    "overlay": [("Debian", "13", "trixie")],
}


def _show(platforms):
    return " or ".join(f"{name} {major} ({codename})" for name, major, codename in platforms)


def platform_errors(data):
    """Hosts whose OS is not tested for the mode. `data`: mode (slurm_mode)
    and hosts ({host: its facts}: distribution, distribution_major_version)."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError("platform_errors expects a dict with mode and hosts")
    tested = TESTED_PLATFORMS.get(data.get("mode"))
    if tested is None:
        return []  # slurm_mode itself is reported by the Slurm checks
    errors = []
    for host, facts in sorted((data.get("hosts") or {}).items()):
        name = str((facts or {}).get("distribution") or "an unknown OS")
        major = str((facts or {}).get("distribution_major_version") or "")
        if (name, major) in [(n, m) for n, m, _c in tested]:
            continue
        errors.append(
            f"{host} runs {name} {major}".rstrip() + f"; in slurm_mode {data.get('mode')} the bundle is "
            f"tested on {_show(tested)} only. Run it on a tested platform"
            + (" (overlay mode: Debian 13 with the site's Slurm)" if data.get("mode") == "managed" else
               " (managed mode: Debian 12)") + ", or remove the host from the inventory.")
    return errors


class FilterModule:
    """The platforms the bundle is tested on."""

    def filters(self):
        return {"platform_errors": platform_errors}
