"""The shared-storage probe's plan and its exact messages
(plugins/filter/shared_storage_check.py)."""

import pytest
from _filters import load_filter

storage = load_filter("shared_storage_check")

HOSTS = ["login1", "c1", "c2"]
MINIFORGE = {"variable": "miniforge_shared_storage", "shared": True, "path_variable": "miniforge_prefix",
             "path": "/opt/software/miniforge3", "writer": "login1", "what": "Miniforge"}
ENVS = {"variable": "curated_envs_shared_storage", "shared": True, "path_variable": "curated_envs_root",
        "path": "/opt/software/envs", "writer": "login1", "what": "curated environments"}


def probes(**overrides):
    data = {"hosts": HOSTS, "login": ["login1"], "compute": ["c1", "c2"], "shared_dirs": [MINIFORGE, ENVS],
            "home_root": "/home", "home_variable": "site_check_home_root"}
    data.update(overrides)
    return storage.storage_probes(data)


def test_probes_shared_dirs_and_homes():
    planned = probes()
    assert [(p["kind"], p["path"], p["writer"]) for p in planned] == [
        ("shared", "/opt/software/miniforge3", "login1"),
        ("shared", "/opt/software/envs", "login1"),
        ("home", "/home", "login1")]


@pytest.mark.parametrize("overrides, paths", [
    ({"shared_dirs": [dict(MINIFORGE, shared=False), ENVS]}, ["/opt/software/envs", "/home"]),
    ({"home_root": ""}, ["/opt/software/miniforge3", "/opt/software/envs"]),
    ({"hosts": []}, []),
])
def test_probes_left_out(overrides, paths):
    assert [p["path"] for p in probes(**overrides)] == paths


def test_home_written_by_a_compute_node_without_login_hosts():
    home = probes(login=[], hosts=["c1", "c2"], shared_dirs=[])[0]
    assert home["writer"] == "c1"


DEFAULT_WRITER = [dict(MINIFORGE, writer=""), dict(ENVS, writer="")]


@pytest.mark.parametrize("overrides, writers, readers", [
    # --limit c2: the first login host of the inventory writes (delegated), c2 looks.
    ({"hosts": ["c2"], "shared_dirs": DEFAULT_WRITER}, ["login1", "login1", "login1"], [["c2"], ["c2"], ["c2"]]),
    # The configured install host writes its directory, wherever it is.
    ({"hosts": ["c2"], "shared_dirs": [dict(MINIFORGE, writer="c1"), dict(ENVS, writer="")]},
     ["c1", "login1", "login1"], [["c2"], ["c2"], ["c2"]]),
    # A host of the run that failed or is unreachable does not write.
    ({"hosts": ["c1", "c2"], "excluded": ["login1"], "shared_dirs": DEFAULT_WRITER},
     ["c1", "c1", "c1"], [["c2"], ["c2"], ["c2"]]),
    ({"login": [], "hosts": ["c2", "c1"], "shared_dirs": DEFAULT_WRITER},
     ["c1", "c1", "c1"], [["c2"], ["c2"], ["c2"]]),
])
def test_writer_comes_from_the_inventory_not_the_run(overrides, writers, readers):
    planned = probes(**overrides)
    assert [p["writer"] for p in planned] == writers
    assert [p["readers"] for p in planned] == readers
    assert storage.storage_writers(planned) == sorted(set(writers), key=writers.index)


def test_run_limited_to_the_writer_is_a_note():
    planned = storage.storage_plan(probes(hosts=["login1"]), {})
    assert storage.storage_writers(planned) == []
    assert [p["marker"] for p in planned] == ["", "", ""]
    assert storage.storage_errors({"planned": planned, "hosts": ["login1"], "seen": {}}) == []
    assert storage.storage_notes(planned) == [
        "miniforge_prefix /opt/software/miniforge3 was not probed: no login or compute host other than login1 is"
        " in this run (--limit), so none looked for its marker.",
        "curated_envs_root /opt/software/envs was not probed: no login or compute host other than login1 is in"
        " this run (--limit), so none looked for its marker.",
        "site_check_home_root /home was not probed: no login or compute host other than login1 is in this run"
        " (--limit), so none looked for its marker."]


def test_the_only_host_of_the_inventory_cannot_prove_shared_storage():
    planned = storage.storage_plan(probes(hosts=["c1"], login=[], compute=["c1"],
                                          shared_dirs=[dict(MINIFORGE, writer="")]), {})
    assert storage.storage_writers(planned) == []
    assert storage.storage_notes(planned) == []
    assert storage.storage_errors({"planned": planned, "hosts": ["c1"], "seen": {}}) == [
        "miniforge_shared_storage is true, but c1 is the only login or compute host of the inventory: no other"
        " host can look for what it installs in miniforge_prefix (/opt/software/miniforge3), so nothing proves"
        " that storage shared. Set miniforge_shared_storage: false (the host installs its own Miniforge), or"
        " add the hosts that share it to the inventory's login and slurm_compute groups."]


def written(markers):
    return {"login1": {"markers": markers}}


def plan(markers):
    return storage.storage_plan(probes(), written(markers))


MARKERS = [
    {"path": "/opt/software/miniforge3", "dir": "/opt/software", "marker": "/opt/software/.m", "error": ""},
    {"path": "/opt/software/envs", "dir": "/opt/software/envs", "marker": "/opt/software/envs/.m", "error": ""},
    {"path": "/home", "dir": "/home", "marker": "/home/.m", "error": ""},
]


def test_plan_and_markers():
    planned = plan(MARKERS)
    assert [p["marker"] for p in planned] == ["/opt/software/.m", "/opt/software/envs/.m", "/home/.m"]
    assert storage.storage_markers(planned) == ["/opt/software/.m", "/opt/software/envs/.m", "/home/.m"]
    assert storage.storage_writers(planned) == ["login1"]


def test_plan_without_a_result_of_the_writer():
    planned = storage.storage_plan(probes(), {})
    assert [p["marker"] for p in planned] == ["", "", ""]
    assert storage.storage_errors({"planned": planned, "hosts": HOSTS, "seen": {}}) == []


def seen(c1=(), c2=()):
    every = [m["marker"] for m in MARKERS]
    return {"login1": {"seen": {m: True for m in every}},
            "c1": {"seen": {m: m not in c1 for m in every}},
            "c2": {"seen": {m: m not in c2 for m in every}}}


def test_everything_seen_is_no_error():
    assert storage.storage_errors({"planned": plan(MARKERS), "hosts": HOSTS, "seen": seen()}) == []


@pytest.mark.parametrize("blind, expected", [
    ({"c1": ["/opt/software/.m"], "c2": ["/opt/software/.m"]},
     ["miniforge_shared_storage is true, but a marker that login1 wrote in /opt/software (the deepest existing"
      " directory of miniforge_prefix, /opt/software/miniforge3) is not visible on c1, c2. Either mount the"
      " shared storage at /opt/software on every login and compute host, or set miniforge_shared_storage:"
      " false so that every node gets its own Miniforge."]),
    ({"c2": ["/opt/software/envs/.m"]},
     ["curated_envs_shared_storage is true, but a marker that login1 wrote in /opt/software/envs is not"
      " visible on c2. Either mount the shared storage at /opt/software/envs on every login and compute"
      " host, or set curated_envs_shared_storage: false so that every node gets its own curated"
      " environments."]),
    ({"c1": ["/home/.m"]},
     ["site_check_home_root /home is not the same directory on every login and compute host: a marker that"
      " login1 wrote in /home is not visible on c1. The hub and the gateway need users' homes shared: mount"
      " the site's home file system at /home on c1, or set site_check_home_root to the root of users'"
      " homes."]),
])
def test_hosts_that_do_not_see_a_marker(blind, expected):
    data = {"planned": plan(MARKERS), "hosts": HOSTS, "seen": seen(**blind)}
    assert storage.storage_errors(data) == expected


def test_host_without_a_result_is_not_counted():
    looked = seen(c2=["/home/.m"])
    looked["c2"] = {"skipped": True}
    assert storage.storage_errors({"planned": plan(MARKERS), "hosts": HOSTS, "seen": looked}) == []


def test_shared_dir_that_root_cannot_write():
    markers = [dict(MARKERS[0], marker="", error="Read-only file system")] + MARKERS[1:]
    planned = plan(markers)
    assert storage.storage_errors({"planned": planned, "hosts": HOSTS, "seen": seen()}) == [
        "miniforge_shared_storage is true, but login1 cannot write in /opt/software (the deepest existing"
        " directory of miniforge_prefix, /opt/software/miniforge3) as root (Read-only file system); the bundle"
        " installs Miniforge there as root. Make /opt/software writable by root on login1 (no root squashing"
        " on that share), or set miniforge_shared_storage: false."]
    assert storage.storage_notes(planned) == []


def test_home_that_root_cannot_write_is_a_note():
    markers = MARKERS[:2] + [dict(MARKERS[2], marker="", error="Permission denied")]
    planned = plan(markers)
    assert storage.storage_errors({"planned": planned, "hosts": HOSTS, "seen": seen()}) == []
    assert storage.storage_notes(planned) == [
        "site_check_home_root /home was not probed: login1 could not write a marker in /home as root"
        " (Permission denied)."]
