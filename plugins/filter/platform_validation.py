# -*- coding: utf-8 -*-
"""The platforms the bundle is tested on, and the check that refuses others.

One definition: every role's meta/main.yml names these platforms (a unit
test compares them), README.md shows them, and the first
play gathers each host's distribution and stops on any other, before a host
is changed.

- managed mode (the bundle installs Debian's Slurm): Debian 12 (Slurm
  22.05) or Debian 13 (Slurm 24.11), one of them on every host of the site:
  Debian's two Slurm releases do not mix (a slurmd newer than slurmctld is
  refused by Slurm, and the munge and accounting versions differ).
- overlay mode (the site's Slurm; tested with Slurm 24.11 from Debian):
  Debian 13.

`slurm_release_errors` checks the slurm role's effective slurm.conf and
cgroup.conf keys against the Slurm release of the hosts' Debian
(module_utils/slurm_releases.py, which says why the check is made here).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_releases import (
    release_errors,
    release_of_debian,
    releases_on_debian,
)

# slurm_mode -> [(distribution, major version, codename)]
TESTED_PLATFORMS = {
    "managed": [("Debian", "12", "bookworm"), ("Debian", "13", "trixie")],
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
    on = {}
    for host, facts in sorted((data.get("hosts") or {}).items()):
        name = str((facts or {}).get("distribution") or "an unknown OS")
        major = str((facts or {}).get("distribution_major_version") or "")
        if (name, major) in [(n, m) for n, m, _c in tested]:
            on.setdefault(f"{name} {major}", []).append(host)
            continue
        errors.append(
            f"{host} runs {name} {major}".rstrip() + f"; in slurm_mode {data.get('mode')} the bundle is "
            f"tested on {_show(tested)} only. Run it on a tested platform"
            + (" (overlay mode: Debian 13 with the site's Slurm)" if data.get("mode") == "managed" else
               " (managed mode: Debian 12 or 13)") + ", or remove the host from the inventory.")
    if len(on) > 1:
        errors.append(
            "the site's hosts run " + " and ".join(f"{p} ({', '.join(hosts)})" for p, hosts in sorted(on.items()))
            + f"; in slurm_mode {data.get('mode')} every host of a site runs one platform, as Debian's Slurm "
            f"releases differ ({releases_on_debian()}) and do not mix. Install one Debian release "
            "on every host, or split the inventory into one site per platform.")
    return errors


def slurm_release_errors(data):
    """Keys of the slurm role's effective settings that the Slurm release of
    the site's Debian does not take, in managed mode. `data`: debian (the
    hosts' distribution_major_version, one for the whole site), config (the
    effective slurm.conf dict) and cgroup_config (the cgroup.conf dict)."""
    if not isinstance(data, Mapping):
        raise AnsibleFilterError("slurm_release_errors expects a dict with debian, config and cgroup_config")
    version = release_of_debian(data.get("debian") or "")
    if version is None:
        return []  # an untested platform is reported by platform_errors
    for name in ("config", "cgroup_config"):
        if not isinstance(data.get(name) or {}, Mapping):
            raise AnsibleFilterError(f"slurm_release_errors: {name} must be a dict")
    return release_errors(version, data.get("config") or {}, data.get("cgroup_config") or {})


# A line of the header of the slurm.conf that the slurm role writes
# (roles/slurm/templates/etc/slurm/slurm.conf.j2; a unit test keeps the two
# together): a slurm.conf without it was not written by the bundle.
BUNDLE_SLURM_CONF_MARK = "(slurm_config_defaults) with the inventory's slurm_config merged over it."


def slurm_foreign_conf_errors(contents, path):
    """Hosts whose slurm.conf the bundle did not write, in managed mode.
    `contents`: {host: what slurp registered (its base64 `content`; a
    skipped result, where the host has no such file, has none), or the
    content itself, or None}; `path`: the file's path, for the message."""
    if not isinstance(contents, Mapping):
        raise AnsibleFilterError("slurm_foreign_conf_errors expects a dict of host: base64 content or None")
    foreign = []
    for host, content in sorted(contents.items()):
        if isinstance(content, Mapping):
            content = content.get("content")
        if content in (None, ""):
            continue
        try:
            text = base64.b64decode(content).decode("utf-8", "replace")
        except (ValueError, TypeError):
            text = ""
        if BUNDLE_SLURM_CONF_MARK not in text:
            foreign.append(host)
    if not foreign:
        return []
    return [f"{', '.join(foreign)} already run{'s' if len(foreign) == 1 else ''} a Slurm the bundle did not install "
            f"({path} was not written by it); slurm_mode managed would take over that Slurm, its munge key and its "
            "configuration. Set slurm_mode: overlay to lay the bundle onto the site's Slurm (docs/overlay.md), or "
            f"move {path} away on those hosts if the bundle is to install and own Slurm there."]


class FilterModule:
    """The platforms the bundle is tested on."""

    def filters(self):
        return {
            "platform_errors": platform_errors,
            "slurm_foreign_conf_errors": slurm_foreign_conf_errors,
            "slurm_release_errors": slurm_release_errors,
        }
