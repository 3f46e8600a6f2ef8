"""The shared-storage probe that runs before anything is built.

Where the bundle assumes a directory is shared by every login and compute
host (the Miniforge prefix and the curated environments' root with
``*_shared_storage: true``; users' homes, which the hub and the gateway
need), one host writes a marker there (module ``hpc.datasci.storage_marker``)
and every other host looks for it. These filters plan the probes and turn
what each host saw into messages that name the variable and the fixes.

``storage_probes``  -> the probes to run (which path, written by which host)
``storage_plan``    -> the probes with the marker each writer wrote
``storage_errors``  -> one message per probe that some host could not see
``storage_notes``   -> probes that could not be run (no failure)
"""

from __future__ import annotations

SHARED = "shared"
HOME = "home"


def _join(hosts):
    return ", ".join(hosts)


def _hosts_of_groups(data):
    """The login and compute hosts of the inventory (not only of this run), in
    order, each once."""
    hosts = []
    for host in list(data.get("login") or []) + list(data.get("compute") or []):
        if host not in hosts:
            hosts.append(host)
    return hosts


def storage_probes(data):
    """The probes of one run.

    data:
      hosts:       the play's hosts that are still running (login and compute
                   hosts of this run, after any --limit), in order
      login:       the login hosts of the inventory (groups['login'])
      compute:     the compute hosts of the inventory (groups['slurm_compute'])
      excluded:    hosts that cannot write (in the run but failed or
                   unreachable)
      shared_dirs: [{variable, shared, path_variable, path, writer, what}],
                   one per role that installs once onto shared storage; an
                   empty writer: the default writer
      home_root:   the root of users' homes ("" for no home probe)
      home_variable: the variable that holds it

    The writer is chosen from the inventory's groups, not from the run's
    hosts: a run limited to one compute node must not make that node the
    writer and leave nobody to look. The default writer is the first login
    host, else the first compute host, that is not excluded; it writes by
    delegation when it is outside the run. Each probe's readers are the run's
    hosts other than its writer; ``alone`` says the writer is the only login
    or compute host of the inventory.
    """
    hosts = list(data.get("hosts") or [])
    if not hosts:
        return []
    every = _hosts_of_groups(data)
    excluded = set(data.get("excluded") or [])
    default = next((host for host in every if host not in excluded), hosts[0])
    items = [item for item in data.get("shared_dirs") or [] if item.get("shared")]
    probes = [{"kind": SHARED, "variable": item["variable"], "path_variable": item["path_variable"],
               "path": item["path"], "writer": item.get("writer") or default, "what": item["what"]}
              for item in items]
    home_root = data.get("home_root") or ""
    if home_root:
        variable = data.get("home_variable") or "site_check_home_root"
        probes.append({"kind": HOME, "variable": variable, "path_variable": variable, "path": home_root,
                       "writer": default, "what": "users' homes"})
    for probe in probes:
        probe["readers"] = [host for host in hosts if host != probe["writer"]]
        probe["alone"] = every == [probe["writer"]]
    return probes


def storage_writers(probes):
    """The hosts that write a marker, each once, in order (a probe that no
    host of the run would look for writes none)."""
    writers = []
    for probe in probes:
        if probe.get("readers", True) and probe["writer"] not in writers:
            writers.append(probe["writer"])
    return writers


def storage_plan(probes, written):
    """The probes with the marker their writer wrote.

    written: {writer: result of storage_marker state=present}, whose
    ``markers`` are [{path, dir, marker, error}]. Each probe gets ``dir``,
    ``marker`` (empty when none was written) and ``error``.
    """
    planned = []
    for probe in probes:
        result = written.get(probe["writer"]) or {}
        entry = next((m for m in result.get("markers") or [] if m.get("path") == probe["path"]), None)
        item = dict(probe)
        if not probe.get("readers", True):
            item.update(dir="", marker="", error="")
        elif entry is None:
            item.update(dir="", marker="", error=f"{probe['writer']} wrote no marker")
        else:
            item.update(dir=entry.get("dir") or "", marker=entry.get("marker") or "",
                        error=entry.get("error") or "")
        planned.append(item)
    return planned


def storage_markers(planned):
    """The marker files every host looks for."""
    markers = []
    for probe in planned:
        if probe.get("marker") and probe["marker"] not in markers:
            markers.append(probe["marker"])
    return markers


def _blind_hosts(probe, hosts, seen):
    """Hosts (other than the writer) that looked and did not see the marker."""
    blind = []
    for host in hosts:
        if host == probe["writer"]:
            continue
        result = seen.get(host)
        if not isinstance(result, dict) or "seen" not in result:
            continue
        if not result["seen"].get(probe["marker"], False):
            blind.append(host)
    return blind


def _where(probe):
    if probe["dir"] == probe["path"]:
        return probe["dir"]
    return f"{probe['dir']} (the deepest existing directory of {probe['path_variable']}, {probe['path']})"


def _shared_error(probe, blind):
    return (f"{probe['variable']} is true, but a marker that {probe['writer']} wrote in {_where(probe)}"
            f" is not visible on {_join(blind)}. Either mount the shared storage at {probe['dir']} on every"
            f" login and compute host, or set {probe['variable']}: false so that every node gets its own"
            f" {probe['what']}.")


def _home_error(probe, blind):
    return (f"{probe['variable']} {probe['path']} is not the same directory on every login and compute host:"
            f" a marker that {probe['writer']} wrote in {probe['dir']} is not visible on {_join(blind)}."
            f" The hub and the gateway need users' homes shared: mount the site's home file system at"
            f" {probe['path']} on {_join(blind)}, or set {probe['variable']} to the root of users' homes.")


def _alone_error(probe):
    return (f"{probe['variable']} is true, but {probe['writer']} is the only login or compute host of the"
            f" inventory: no other host can look for what it installs in {probe['path_variable']}"
            f" ({probe['path']}), so nothing proves that storage shared. Set {probe['variable']}: false (the"
            f" host installs its own {probe['what']}), or add the hosts that share it to the inventory's login"
            f" and slurm_compute groups.")


def storage_errors(data):
    """One message per probe that a host could not see, or could not write,
    and per shared directory whose writer is the inventory's only login or
    compute host.

    data: {planned: storage_plan(...), hosts: [...], seen: {host: result of
    storage_marker state=query}}. A host without a result (unreachable,
    failed earlier) is not counted.
    """
    errors = []
    hosts = list(data.get("hosts") or [])
    seen = data.get("seen") or {}
    for probe in data.get("planned") or []:
        if not probe.get("readers", True):
            if probe["kind"] == SHARED and probe.get("alone"):
                errors.append(_alone_error(probe))
            continue
        if not probe.get("marker"):
            if probe["kind"] == SHARED and probe.get("dir"):
                errors.append(f"{probe['variable']} is true, but {probe['writer']} cannot write in"
                              f" {_where(probe)} as root ({probe['error']}); the bundle installs"
                              f" {probe['what']} there as root. Make {probe['dir']} writable by root on"
                              f" {probe['writer']} (no root squashing on that share), or set"
                              f" {probe['variable']}: false.")
            continue
        blind = _blind_hosts(probe, hosts, seen)
        if blind:
            errors.append(_shared_error(probe, blind) if probe["kind"] == SHARED else _home_error(probe, blind))
    return errors


def storage_notes(planned):
    """Probes that could not be run, and why (users' homes on a share that
    squashes root cannot take a marker from root, a run limited to the
    writer: not a failure)."""
    notes = []
    for probe in planned:
        if not probe.get("readers", True):
            if not probe.get("alone"):
                notes.append(f"{probe['path_variable']} {probe['path']} was not probed: no login or compute host"
                             f" other than {probe['writer']} is in this run (--limit), so none looked for its"
                             f" marker.")
            continue
        if probe["kind"] == HOME and not probe.get("marker"):
            notes.append(f"{probe['variable']} {probe['path']} was not probed: {probe['writer']} could not"
                         f" write a marker in {probe['dir'] or probe['path']} as root ({probe['error']}).")
    return notes


class FilterModule:
    """The shared-storage probe's plan and messages."""

    def filters(self):
        return {
            "storage_probes": storage_probes,
            "storage_writers": storage_writers,
            "storage_plan": storage_plan,
            "storage_markers": storage_markers,
            "storage_errors": storage_errors,
            "storage_notes": storage_notes,
        }
