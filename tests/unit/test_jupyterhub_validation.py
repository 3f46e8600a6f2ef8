"""Unit tests of the hub's checks (plugins/filter/jupyterhub_validation.py):
each bad setting gives exactly the expected messages."""

import copy
import pathlib

import pytest
import yaml
from ansible_collections.hpc.datasci.plugins.filter.jupyterhub_validation import (
    FilterModule,
    jupyterhub_errors,
    jupyterhub_notebook_cpus,
    jupyterhub_sand_fit,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]

POLICY = {
    "partitions": [{"name": "batch", "MaxTime": "2-00:00:00"}, {"name": "short", "MaxTime": "2:00:00"}],
    "qos": [{"name": "normal"}, {"name": "interactive", "MaxWall": "8:00:00"}, {"name": "burst", "MaxWall": "30:00"}],
    "accounts": [{"name": "datasci", "users": ["alice"], "qos": ["normal", "interactive", "burst"]},
                 {"name": "open", "users": ["bob"]}],
}
WHERE = "jupyterhub_profiles[0] (interactive)"


def _good():
    return {
        "authenticator": "pam",
        "username_pattern": "^[a-z_][a-z0-9_.-]{0,31}$",
        "ldap": {},
        "oauth": {"client_id": "jupyterhub"},
        "hub_ip": "",
        "tls_cert": "/etc/ssl/certs/hub.pem",
        "tls_key": "/etc/ssl/private/hub.key",
        "db_backup_dir": "/var/lib/jupyterhub/backups",
        "db_backup_keep": 5,
        "profiles": [
            {"name": "interactive", "display_name": "Interactive <2 h> & more", "partition": "short",
             "qos": "interactive", "cpus": 2, "memory": "4G", "runtime": "2:00:00"},
            {"name": "burst_1", "display_name": "Burst", "partition": "short", "qos": "burst", "cpus": "1",
             "memory": 512, "runtime": 30},
        ],
        "services": [{"name": "docs", "url": "http://login1:8020", "api_token": "x" * 32}],
        "platform_services": [{"name": "dask-gateway", "url": "http://login1:8010", "api_token": "y" * 32}],
        "slurm_account": "datasci",
        "job_extra_sbatch": ["--gres=gpu:1", "--exclusive"],
        "job_script_template": "",
        "policy": copy.deepcopy(POLICY),
    }


def _with(change):
    settings = _good()
    change(settings)
    return settings


def test_good_settings_pass():
    assert jupyterhub_errors(_good()) == []


def test_an_existing_site_template_passes(tmp_path):
    template = tmp_path / "job.sh.j2"
    template.write_text("#!/bin/bash\n")
    assert jupyterhub_errors(_with(lambda s: s.update(job_script_template=str(template)))) == []


def _profile(**changes):
    def change(settings):
        settings["profiles"][0].update(changes)
        for key, value in changes.items():
            if value is None:
                del settings["profiles"][0][key]
    return change


CASES = [
    ("authenticator", lambda s: s.update(authenticator="kerberos"),
     ["jupyterhub_authenticator must be pam, ldap or oauth, not kerberos"]),
    ("username pattern missing", lambda s: s.update(username_pattern=""),
     ["jupyterhub_username_pattern must be a regular expression of the user names allowed, such as"
      " ^[a-z_][a-z0-9_.-]{0,31}$"]),
    ("username pattern not a regex", lambda s: s.update(username_pattern="^[a-z$"),
     ["jupyterhub_username_pattern ^[a-z$ is not a regular expression"
      " (unterminated character set at position 1)"]),
    ("username pattern not anchored at the end", lambda s: s.update(username_pattern="^[a-z_][a-z0-9_-]*"),
     ["jupyterhub_username_pattern ^[a-z_][a-z0-9_-]* must start with ^ and end with $, so that it matches the"
      " whole name",
      "jupyterhub_username_pattern ^[a-z_][a-z0-9_-]* accepts 'alice;id', 'alice$(id)', 'alice`id`',"
      " 'alice bob', \"alice'bob\", 'alice\"bob', 'alice|id', 'alice&id', 'alice>x', 'alice\\nid',"
      " 'alice/x', 'alice$': the hub runs sudo -u <name>, so the pattern must refuse spaces, quotes, shell"
      " characters, / and a leading - or . (e.g. ^[a-z_][a-z0-9_.-]{0,31}$)"]),
    ("username pattern anything", lambda s: s.update(username_pattern="^.*$"),
     ["jupyterhub_username_pattern ^.*$ accepts 'alice;id', 'alice$(id)', 'alice`id`', 'alice bob',"
      " \"alice'bob\", 'alice\"bob', 'alice|id', 'alice&id', 'alice>x', '../alice', '..', '.alice',"
      " 'alice/x', '-alice', 'alice$', '*': the hub runs sudo -u <name>, so the pattern must refuse spaces, quotes, shell characters,"
      " / and a leading - or . (e.g. ^[a-z_][a-z0-9_.-]{0,31}$)"]),
    ("username pattern with a leading dash", lambda s: s.update(username_pattern="^[a-z_-][a-z0-9_-]*$"),
     ["jupyterhub_username_pattern ^[a-z_-][a-z0-9_-]*$ accepts '-alice': the hub runs sudo -u <name>, so the"
      " pattern must refuse spaces, quotes, shell characters, / and a leading - or . (e.g. ^[a-z_][a-z0-9_.-]{0,31}$)"]),
    ("username pattern with a leading dot", lambda s: s.update(username_pattern="^[a-z_.][a-z0-9_.-]*$"),
     ["jupyterhub_username_pattern ^[a-z_.][a-z0-9_.-]*$ accepts '..', '.alice': the hub runs sudo -u <name>, so"
      " the pattern must refuse spaces, quotes, shell characters, / and a leading - or . (e.g."
      " ^[a-z_][a-z0-9_.-]{0,31}$)"]),
    ("username pattern with machine accounts", lambda s: s.update(username_pattern="^[a-z][-a-z0-9_]*\\$?$"),
     ["jupyterhub_username_pattern ^[a-z][-a-z0-9_]*\\$?$ accepts 'alice$': the hub runs sudo -u <name>, so the"
      " pattern must refuse spaces, quotes, shell characters, / and a leading - or . (e.g. ^[a-z_][a-z0-9_.-]{0,31}$)"]),
    ("username pattern with dots and capitals", lambda s: s.update(username_pattern="^[A-Za-z_][A-Za-z0-9._-]*$"),
     []),
    ("username pattern not a string", lambda s: s.update(username_pattern=None),
     ["jupyterhub_username_pattern must be a regular expression of the user names allowed, such as"
      " ^[a-z_][a-z0-9_.-]{0,31}$"]),
    ("username pattern in the authenticators' settings",
     lambda s: s.update(ldap={"username_pattern": ".*"}, oauth={"username_pattern": ".*"}),
     ["jupyterhub_ldap: remove username_pattern and set jupyterhub_username_pattern (it applies to every"
      " authenticator)",
      "jupyterhub_oauth: remove username_pattern and set jupyterhub_username_pattern (it applies to every"
      " authenticator)"]),
    ("hub address given", lambda s: s.update(hub_ip="10.20.0.5"), []),
    ("hub on every interface", lambda s: s.update(hub_ip="0.0.0.0"), []),
    ("hub address a name", lambda s: s.update(hub_ip="login1-ib"),
     ["jupyterhub_hub_ip login1-ib is not an IPv4 address: give the login node's address on the site network, or"
      " leave it empty to have it found from the compute nodes"]),
    ("hub address IPv6", lambda s: s.update(hub_ip="fd00::5"),
     ["jupyterhub_hub_ip fd00::5 is not an IPv4 address: give the login node's address on the site network, or"
      " leave it empty to have it found from the compute nodes"]),
    ("self-signed TLS", lambda s: s.update(tls_cert="", tls_key=""), []),
    ("TLS key without a certificate", lambda s: s.update(tls_cert=""),
     ["jupyterhub_tls_key is set but jupyterhub_tls_cert is empty: give both (the site's certificate and its key),"
      " or neither for a self-signed certificate"]),
    ("TLS certificate without a key", lambda s: s.update(tls_key=None),
     ["jupyterhub_tls_cert is set but jupyterhub_tls_key is empty: give both (the site's certificate and its key),"
      " or neither for a self-signed certificate"]),
    ("TLS relative paths", lambda s: s.update(tls_cert="hub.pem", tls_key="private/hub.key"),
     ["jupyterhub_tls_cert hub.pem must be an absolute path on the login node",
      "jupyterhub_tls_key private/hub.key must be an absolute path on the login node"]),
    ("backups kept given as text", lambda s: s.update(db_backup_keep="3"), []),
    ("no backup kept", lambda s: s.update(db_backup_keep=0),
     ["jupyterhub_db_backup_keep 0 must be a positive integer (the number of backups kept)"]),
    ("backup directory relative", lambda s: s.update(db_backup_dir="backups"),
     ["jupyterhub_db_backup_dir backups must be an absolute path on the login node"]),
    ("no profiles", lambda s: s.update(profiles=[]), ["jupyterhub_profiles is empty: give at least one profile"]),
    ("profiles not a list", lambda s: s.update(profiles={"name": "x"}), ["jupyterhub_profiles must be a list of profiles"]),
    ("profile not a dict", lambda s: s["profiles"].append("gpu"),
     ["jupyterhub_profiles[2] must be a dict with the keys name, display_name, partition, qos, cpus, memory, runtime"]),
    ("missing and unknown keys", _profile(memory=None, gpus=1),
     [f"{WHERE}: memory is missing", f"{WHERE}: unknown key gpus"]),
    ("missing name", _profile(name=None), ["jupyterhub_profiles[0] (?): name is missing"]),
    ("unknown partition and QOS", _profile(partition="gpu", qos="premium"),
     [f"{WHERE}: partition gpu is not in slurm_partitions (batch, short)",
      f"{WHERE}: QOS premium is not in slurm_qos (normal, interactive, burst)"]),
    ("runtime not a time", _profile(runtime="1:75:00"), [f"{WHERE}: runtime 1:75:00 is not a Slurm time such as 2:00:00"]),
    ("runtime words", _profile(runtime="two hours"), [f"{WHERE}: runtime two hours is not a Slurm time such as 2:00:00"]),
    ("runtime above the partition's MaxTime", _profile(runtime="3:00:00"),
     [f"{WHERE}: runtime 3:00:00 is above the MaxTime of partition short (2:00:00): the job would be refused"]),
    ("runtime above the QOS MaxWall and MaxTime", _profile(partition="batch", runtime="1-00:00:00"),
     [f"{WHERE}: runtime 1-00:00:00 is above the MaxWall of QOS interactive (8:00:00): the job would be refused"]),
    ("unlimited runtime", _profile(runtime="UNLIMITED"),
     [f"{WHERE}: runtime UNLIMITED is above the MaxWall of QOS interactive (8:00:00): the job would be refused",
      f"{WHERE}: runtime UNLIMITED is above the MaxTime of partition short (2:00:00): the job would be refused"]),
    ("QOS without MaxWall", _profile(qos="normal", runtime="1:00:00"), []),
    ("account not allowed the QOS", lambda s: s["policy"]["accounts"][0].update(qos=["normal", "burst"]),
     [f"{WHERE}: QOS interactive is not among the qos of the account datasci in slurm_accounts"
      " (jupyterhub_slurm_account): add it there"]),
    ("account listing no QOS", lambda s: s.update(slurm_account="open"), []),
    ("user's default account", lambda s: s.update(slurm_account=""), []),
    ("unknown account", lambda s: s.update(slurm_account="physics"),
     ["jupyterhub_slurm_account physics is not in slurm_accounts (datasci, open)"]),
    ("name with capitals", _profile(name="Interactive"),
     ["jupyterhub_profiles[0] (Interactive): name Interactive must be lowercase letters, digits, _ and -"
      " (display_name is the text users see)"]),
    ("name with markup", _profile(name='x"><script>'),
     ['jupyterhub_profiles[0] (x"><script>): name x"><script> must be lowercase letters, digits, _ and -'
      " (display_name is the text users see)"]),
    ("name with a space", _profile(name="gpu node"),
     ["jupyterhub_profiles[0] (gpu node): name gpu node must be lowercase letters, digits, _ and -"
      " (display_name is the text users see)"]),
    ("cpus zero", _profile(cpus=0), [f"{WHERE}: cpus 0 must be a positive integer"]),
    ("cpus fraction", _profile(cpus=1.5), [f"{WHERE}: cpus 1.5 must be a positive integer"]),
    ("cpus text", _profile(cpus="two"), [f"{WHERE}: cpus two must be a positive integer"]),
    ("cpus boolean", _profile(cpus=True), [f"{WHERE}: cpus True must be a positive integer"]),
    ("memory unit", _profile(memory="4GiB"), [f"{WHERE}: memory 4GiB is not a Slurm memory size such as 4G or 512M"]),
    ("memory zero", _profile(memory="0G"), [f"{WHERE}: memory 0G is not a Slurm memory size such as 4G or 512M"]),
    ("duplicate profile names", lambda s: s["profiles"][1].update(name="interactive"),
     ["jupyterhub_profiles: profile names must be unique"]),
    ("service keys", lambda s: s["services"].append({"url": "http://x", "token": "t"}),
     ["jupyterhub_services[1]: name is missing", "jupyterhub_services[1]: unknown key token (name, url, api_token)"]),
    ("service name", lambda s: s["services"][0].update(name="Docs_1"),
     ["jupyterhub_services[0]: name Docs_1 must be lowercase letters, digits and dashes"]),
    ("service token", lambda s: s["services"][0].update(api_token="short"),
     ["jupyterhub_services[0] (docs): api_token must have at least 32 characters"]),
    ("platform service token", lambda s: s["platform_services"][0].update(api_token="short"),
     ["jupyterhub_platform_services[0] (dask-gateway): api_token must have at least 32 characters"]),
    ("platform service missing url", lambda s: s["platform_services"][0].pop("url"),
     ["jupyterhub_platform_services[0]: url is missing"]),
    ("service given twice", lambda s: s["services"].append(dict(s["platform_services"][0])),
     ["jupyterhub_services + jupyterhub_platform_services: service dask-gateway is given twice;"
      " keep one (the bundle's playbooks add the services of its own roles)"]),
    ("extra sbatch not a list", lambda s: s.update(job_extra_sbatch="--gres=gpu:1"),
     ['jupyterhub_job_extra_sbatch must be a list of sbatch options such as "--gres=gpu:1"']),
    ("extra sbatch two options", lambda s: s.update(job_extra_sbatch=["--gres=gpu:1 --exclusive"]),
     ['jupyterhub_job_extra_sbatch[0]: "--gres=gpu:1 --exclusive" must be one sbatch option starting with "--",'
      ' without spaces or line breaks (e.g. "--gres=gpu:1")']),
    ("extra sbatch line break", lambda s: s.update(job_extra_sbatch=["--exclusive", "--gres=gpu:1\nrm -rf /"]),
     ['jupyterhub_job_extra_sbatch[1]: "--gres=gpu:1\nrm -rf /" must be one sbatch option starting with "--",'
      ' without spaces or line breaks (e.g. "--gres=gpu:1")']),
    ("extra sbatch short option", lambda s: s.update(job_extra_sbatch=["-G 1"]),
     ['jupyterhub_job_extra_sbatch[0]: "-G 1" must be one sbatch option starting with "--",'
      ' without spaces or line breaks (e.g. "--gres=gpu:1")']),
    ("extra sbatch with its prefix", lambda s: s.update(job_extra_sbatch=["#SBATCH --exclusive"]),
     ['jupyterhub_job_extra_sbatch[0]: "#SBATCH --exclusive" must be one sbatch option starting with "--",'
      ' without spaces or line breaks (e.g. "--gres=gpu:1")']),
    ("extra sbatch number", lambda s: s.update(job_extra_sbatch=[1]),
     ['jupyterhub_job_extra_sbatch[0]: "1" must be one sbatch option starting with "--",'
      ' without spaces or line breaks (e.g. "--gres=gpu:1")']),
    ("relative template", lambda s: s.update(job_script_template="templates/job.sh.j2"),
     ["jupyterhub_job_script_template templates/job.sh.j2 must be an absolute path on the control machine"
      ' (or "" for the role\'s template)']),
    ("missing template", lambda s: s.update(job_script_template="/nonexistent/job.sh.j2"),
     ["jupyterhub_job_script_template /nonexistent/job.sh.j2 is not a file on the control machine"
      ' (give the path of the site\'s template, or "" for the role\'s)']),
]


@pytest.mark.parametrize("change, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_has_its_message(change, expected):
    assert jupyterhub_errors(_with(change)) == expected


def test_every_problem_is_reported_at_once():
    def change(settings):
        settings.update(authenticator="x", slurm_account="physics", job_extra_sbatch=["-x"])
        settings["profiles"][0].update(partition="gpu", cpus=0)
        settings["services"][0].update(api_token="short")
    assert len(jupyterhub_errors(_with(change))) == 6


SUSPEND = {"sand_mode": "suspend", "sand_partition": "short", "sand_memory_mb": 3000, "sand_memory_percent": 25}


@pytest.mark.parametrize(("sand", "memory", "expected"), [
    pytest.param(SUSPEND, "4G", [
        f"{WHERE} asks 4G of memory, but while long jobs fill a node sand finds only 3000M free on the smallest "
        "compute node (slurm_sand_memory_percent 25): on a full machine it would never start; ask less memory or "
        "raise slurm_sand_memory_percent"], id="above-the-headroom"),
    pytest.param(SUSPEND, "2G", [], id="within-the-headroom"),
    pytest.param(dict(SUSPEND, sand_memory_mb=None), "64G", [], id="node-sizes-unknown"),
    pytest.param(dict(SUSPEND, sand_mode="tiers"), "64G", [], id="not-suspend"),
])
def test_profile_memory_against_what_sand_finds_free(sand, memory, expected):
    def change(settings):
        settings["policy"].update(sand)
        settings["profiles"][0]["memory"] = memory
    assert jupyterhub_errors(_with(change)) == expected


def test_a_profile_in_a_partition_that_sand_suspends_is_refused():
    def change(settings):
        settings["policy"].update(SUSPEND)
        settings["profiles"][0].update(partition="batch", memory="1G", runtime="2:00:00")
    assert jupyterhub_errors(_with(change)) == [
        f"{WHERE}: partition batch is below the sand partition short, whose jobs suspend its jobs (slurm_sand_mode "
        "suspend): a suspended notebook freezes and the hub counts it as gone; put the profile in partition short, "
        "or choose another slurm_sand_mode"]
    settings = _with(change)
    settings["policy"]["sand_mode"] = "tiers"
    assert jupyterhub_errors(settings) == []


# The sand partition short with its partition QOS short, capped at cpu=1
# (slurm_sand_share_percent 25 of 4 CPUs), as slurm_effective_policy gives it.
SHARE = {"partition": "short", "derived": True, "cpus": 1, "percent": 25, "compute_cpus": 4,
         "variable": "slurm_sand_share_percent"}


def _capped(settings, grptres="cpu=1", share=SHARE, **burst):
    settings["policy"]["partitions"][1]["QOS"] = "short"
    settings["policy"]["qos"].append({"name": "short", "GrpTRES": grptres})
    settings["policy"]["qos"][2].update(burst)
    settings["policy"].update(sand_partition="short", sand_share=share)


def test_a_profile_that_cannot_fit_the_sand_share_is_named_with_the_fix():
    errors = jupyterhub_errors(_with(_capped))
    assert errors == [
        f"{WHERE}: its notebook asks 2 CPUs (cpus 2), but the sand partition short allows cpu=1 (GrpTRES of its "
        "partition QOS short: slurm_sand_share_percent 25 of 4 CPUs on the compute nodes): it could never start, "
        "its job would pend for good. Raise slurm_sand_share_percent to at least 50, or lower its cpus."]
    assert jupyterhub_sand_fit({"profiles": _with(_capped)["profiles"], "policy": _with(_capped)["policy"]}) == errors


@pytest.mark.parametrize("change", [
    pytest.param(lambda s: _capped(s, "cpu=2", dict(SHARE, cpus=2, percent=50)), id="fits-at-50"),
    pytest.param(lambda s: _capped(s, "cpu=4", dict(SHARE, cpus=4, percent=100)), id="share-100"),
    pytest.param(lambda s: _capped(s, share=dict(SHARE, compute_cpus=None)), id="node-sizes-unknown"),
    pytest.param(lambda s: (_capped(s), s["profiles"][0].update(partition="batch")), id="not-in-sand"),
    pytest.param(lambda s: _capped(s, "cpu=2,mem=4G", dict(SHARE, derived=False)), id="site-grptres-fits"),
])
def test_profiles_that_fit_or_are_not_in_sand_pass(change):
    assert jupyterhub_errors(_with(change)) == []


def test_the_sites_grptres_with_memory_and_the_job_qos_limits():
    def change(settings):
        _capped(settings, "cpu=8,mem=2G", dict(SHARE, derived=False, compute_cpus=None), MaxTRESPerUser="cpu=1")
        settings["profiles"][0].update(qos="burst", runtime="30:00")
    assert jupyterhub_errors(_with(change)) == [
        f"{WHERE}: its notebook asks 4G of memory (memory 4G), but the sand partition short allows mem=2G (GrpTRES "
        "of its partition QOS short in slurm_qos): it could never start, its job would pend for good. Raise GrpTRES "
        "of slurm_qos.short to at least mem=4G, or lower its memory.",
        f"{WHERE}: its notebook asks 2 CPUs (cpus 2), but the sand partition short allows cpu=1 (MaxTRESPerUser of "
        "the job QOS burst in slurm_qos): it could never start, its job would pend for good. Raise MaxTRESPerUser of "
        "slurm_qos.burst to at least cpu=2, or lower its cpus."]


def test_the_sand_fit_filter_is_registered():
    assert FilterModule().filters()["jupyterhub_sand_fit"] is jupyterhub_sand_fit


def _reserve_policy(site_group_cpus, derived=("MaxTRESPerUser",)):
    return dict(POLICY, sand_partition="short", sand_share={
        "partition": "short", "derived": True, "cpus": 4, "percent": 100, "compute_cpus": 4,
        "variable": "slurm_sand_share_percent",
        "burst": {"qos": "burst", "share_cpus": 4, "reserve_cpus": 1, "group_cpus": 3, "user_cpus": 3,
                  "derived": list(derived), "reserve_percent": 25, "user_percent": 75, "notebook_cpus": 2,
                  "site_group_cpus": site_group_cpus}})


@pytest.mark.parametrize(("cpus", "qos", "site_group", "expected"), [
    pytest.param(1, "interactive", 3, [], id="fits-what-the-sites-cap-leaves"),
    pytest.param(2, "burst", 3, [], id="a-burst-notebook-is-not-reserved-for"),
    pytest.param(2, "interactive", None, [], id="a-derived-reserve-holds-it"),
    pytest.param(4, "interactive", 3, [], id="the-whole-share-is-left-to-the-fit-check"),
    pytest.param(2, "interactive", 3, [
        f"{WHERE}: its notebook asks 2 CPUs (cpus 2), but burst jobs (QOS burst) may hold 3 CPUs of the sand "
        "partition short's 4 CPUs (GrpTRES of slurm_qos.burst), leaving 1 CPU: it would wait behind other users' "
        "Dask workers. Lower the cpu of slurm_qos.burst.GrpTRES to at most 2 (or remove it: the slurm role then "
        "derives a reserve that holds the largest notebook), or lower its cpus."], id="over-the-sites-cap"),
])
def test_a_notebook_profile_must_fit_what_the_sites_burst_cap_leaves(cpus, qos, site_group, expected):
    profile = {"name": "interactive", "partition": "short", "qos": qos, "cpus": cpus, "memory": "1G"}
    assert jupyterhub_sand_fit({"profiles": [profile], "policy": _reserve_policy(site_group)}) == expected


@pytest.mark.parametrize(("profiles", "expected"), [
    pytest.param([], {}, id="none"),
    pytest.param(None, {}, id="not-a-list"),
    pytest.param([{"partition": "short", "qos": "interactive", "cpus": 2},
                  {"partition": "short", "qos": "burst", "cpus": 8},
                  {"partition": "short", "qos": "long", "cpus": "3"},
                  {"partition": "long", "qos": "interactive", "cpus": 16}],
                 {"short": 3, "long": 16}, id="largest-outside-burst-by-partition"),
    pytest.param(["x", {"partition": "short", "cpus": 0}, {"partition": "short", "cpus": "two"},
                  {"cpus": 4}], {}, id="malformed-left-to-validation"),
])
def test_the_largest_notebook_of_each_partition(profiles, expected):
    assert jupyterhub_notebook_cpus(profiles) == expected


def test_the_hubs_default_profiles_give_2_cpus_in_short():
    defaults = yaml.safe_load((ROOT / "roles/jupyterhub/defaults/main.yml").read_text())
    assert jupyterhub_notebook_cpus(defaults["jupyterhub_profiles"]) == {"short": 2}
    assert FilterModule().filters()["jupyterhub_notebook_cpus"] is jupyterhub_notebook_cpus
