"""Overlay mode on a center's own Slurm (Molecule scenario
overlay_keeps_site_running): the center's cluster was built by hand
(tests/scaffolding/existing_slurm.yml: Debian 13, Slurm 24.11, partitions
general and express, QOS premium, account physics, a long job of carol's);
the bundle was laid over it with slurm_mode: overlay.

Before/after: existing_slurm.yml kept what the site looked like before the
bundle in /root/site-before on ctl; these tests print the differences and
allow only what the inventory asked for.
"""

import json
import re
import time

import pytest
from dask_clusters import CLUSTERS_IN_A_ROW, clusters_in_a_row, start_up_module
from helpers import run_playbook, squeue, wait_until
from hub import log_in, spawn, stop

pytestmark = pytest.mark.overlay

CTL, LOGIN = "ctl", "login1"
BEFORE = "/root/site-before"
FRAGMENT = "/etc/slurm/hpc-datasci.conf"
SLURM_CONF = "/etc/slurm/slurm.conf"
HANDED = {"PreemptType", "PreemptMode"}
# Keys of `scontrol show config` that change with time, not with the configuration.
VOLATILE = {"BOOT_TIME", "NEXT_JOB_ID", "LAST_CONFIG_CHANGE", "LastConfigChange"}
SITE_PARTITIONS = ("general", "express")
BUNDLE_QOS = ("interactive", "burst", "scavenger", "short")


def _config(text):
    out = {}
    for line in text.splitlines():
        match = re.match(r"^(\S+)\s+=\s?(.*)$", line.strip())
        if match:
            out.setdefault(match.group(1), match.group(2).strip())
    return out


def _records(text, key):
    """Records of `scontrol show ...`, one-line (-o) or multi-line."""
    out = {}
    for line in re.sub(r"\n[ \t]+", " ", text).splitlines():
        pairs = dict(re.findall(r"(\S+?)=(\S*)", line))
        if key in pairs:
            out[pairs[key]] = pairs
    return out


def _diff(before, after):
    return {k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def _states(node, *jobs):
    """The state of each job, as squeue on ctl shows it (every partition)."""
    return [state for job in jobs for (state,) in squeue(node(CTL), "%T", "-a", f"-j {job}")]


def test_the_sites_long_job_runs_on_untouched(node):
    host = node(CTL)
    job = host.check_output("cat /root/site-long-job").split()
    job_id, node_before = job[0], job[1] if len(job) > 1 else "c1"
    state = [field for job in squeue(node(CTL), "%i|%T|%N|%M", "-a", f"-j {job_id}") for field in job]
    suspended = host.check_output(f"sacct -X -n -j {job_id} -o Suspended").strip()
    print(f"\nthe site's long job {job_id}: {' '.join(state)}, suspended for {suspended}")
    assert state[:3] == [job_id, "RUNNING", node_before], state
    assert suspended == "00:00:00"


def test_the_sites_configuration_changed_only_in_the_handed_keys(node):
    host = node(CTL)
    before = _config(host.check_output(f"cat {BEFORE}/scontrol-show-config.txt"))
    after = _config(host.check_output("scontrol show config"))
    diff = _diff(before, after)
    print("\nscontrol show config, before -> after:")
    for key, (old, new) in diff.items():
        print(f"  {key}: {old} -> {new}")
    assert set(diff) - VOLATILE <= HANDED, diff
    assert HANDED <= set(diff), "the handed keys did not change"


def test_the_sites_partitions_are_unchanged_and_the_bundles_is_added(node):
    host = node(CTL)
    before = _records(host.check_output(f"cat {BEFORE}/scontrol-show-partition.txt"), "PartitionName")
    after = _records(host.check_output("scontrol show partition -o"), "PartitionName")
    for name in SITE_PARTITIONS:
        # A partition shows the global PreemptMode, one of the handed keys.
        diff = {k: v for k, v in _diff(before[name], after[name]).items() if k not in HANDED}
        print(f"\npartition {name}, before -> after: {diff or 'no difference'}")
        assert diff == {}
    assert set(after) - set(before) == {"short"}
    short = after["short"]
    print(f"partition short: {json.dumps(short)}")
    tiers = max(int(before[n]["PriorityTier"]) for n in SITE_PARTITIONS)
    assert int(short["PriorityTier"]) == tiers + 1
    assert short["QoS"] == "short" and short["OverSubscribe"] == "FORCE:1"


def test_the_sites_qos_and_associations_are_unchanged(node):
    host = node(CTL)
    before = {line.split("|")[0]: line for line in host.check_output(f"cat {BEFORE}/sacctmgr-show-qos.txt").splitlines()}
    after = {line.split("|")[0]: line for line in host.check_output("sacctmgr -n -P show qos").splitlines()}
    for name, line in before.items():
        print(f"\nQOS {name}: {'unchanged' if after.get(name) == line else after.get(name)}")
        assert after.get(name) == line
    assert set(after) - set(before) == set(BUNDLE_QOS)
    marked = host.check_output("sacctmgr -n -P show qos format=name,description")
    assert all(f"{q}|hpc.datasci overlay center" in marked for q in BUNDLE_QOS), marked
    assoc_before = set(host.check_output(f"cat {BEFORE}/sacctmgr-show-assoc.txt").splitlines())
    assoc_after = set(host.check_output("sacctmgr -n -P show assoc").splitlines())
    print("associations added:", sorted(assoc_after - assoc_before))
    assert assoc_before <= assoc_after
    assert all("|datasci|" in line for line in assoc_after - assoc_before)


@pytest.mark.parametrize("name", ["ctl", "c1", "c2", "login1"])
def test_the_site_slurm_conf_gained_only_the_include(node, name):
    host = node(name)
    before = node(CTL).check_output(f"cat {BEFORE}/slurm.conf").splitlines()
    after = host.check_output(f"cat {SLURM_CONF}").splitlines()
    # The fragment lies beside slurm.conf: included by its bare name, the
    # form configless sites need.
    assert after == before + ["Include hpc-datasci.conf"]
    fragment = host.file(FRAGMENT)
    assert fragment.user == "root" and fragment.mode == 0o644
    assert "PartitionName=short" in fragment.content_string


def test_the_bundles_partition_and_qos_run_jobs(node):
    out = node(LOGIN).check_output(
        "runuser -u alice -- srun -p short -q burst -A datasci -n1 --mem=100M -t 5 hostname")
    assert out.strip() in ("c1", "c2")


def _sand_memory_from_the_records(node, percent):
    """The sand partition's DefMemPerCPU as the bundle derives it from the
    site's node records: slurm_sand_memory_percent of the leanest node's
    memory per CPU, within what the site's jobs (the cluster's DefMemPerCPU,
    its partitions setting none) leave free on the smallest node."""
    nodes = _records(node(CTL).check_output("scontrol show node -o"), "NodeName").values()
    site_per_cpu = int(_config(node(CTL).check_output("scontrol show config"))["DefMemPerCPU"])
    per_cpu = min(int(n["RealMemory"]) // int(n["CPUTot"]) for n in nodes)
    free = min(int(n["RealMemory"]) - int(n["CPUTot"]) * site_per_cpu for n in nodes)
    return min(per_cpu * percent // 100, free), free


def test_the_sand_memory_default_fits_beside_the_sites_jobs(node, effective):
    """The center declares RealMemory=3000 for 2 CPUs (less than the
    containers see) and DefMemPerCPU=1024: two jobs of the site's leave 952
    MiB on a node, and the sand partition's default fits in that."""
    expected, free = _sand_memory_from_the_records(node, int(effective["sand_memory_percent"]))
    short = _records(node(CTL).check_output("scontrol show partition short -o"), "PartitionName")["short"]
    print(f"\nsand DefMemPerCPU {short.get('DefMemPerCPU')} (from the records: {expected}; "
          f"free beside the site's jobs: {free} MiB)")
    assert free == 952 and 0 < expected <= free
    assert short.get("DefMemPerCPU") == str(expected)
    assert f"DefMemPerCPU={expected} " in node(CTL).check_output(f"grep PartitionName=short {FRAGMENT}") + " "


def test_sand_suspends_a_job_of_the_site_on_a_full_node_and_resumes_it(node):
    """carol fills c2 with jobs of the site's partition general, each with
    the site's default memory (no --mem); alice's job in the bundle's sand
    partition, without --mem too, starts there within 10 s by suspending one
    of them (the keys the site handed over) in the memory they leave free;
    the long job on c1 is never touched."""
    login = node(LOGIN)
    cpus = int(node(CTL).check_output("scontrol show node c2 -o | grep -o 'CPUTot=[0-9]*' | cut -d= -f2"))
    ids = [login.check_output(
        "runuser -u carol -- sbatch --parsable -o /dev/null -p general -w c2 -n1 -t 30 --wrap 'sleep 600'").strip()
        for _ in range(cpus)]
    try:
        wait_until(lambda: _states(node, *ids) == ["RUNNING"] * len(ids), 60, "carol's jobs did not start on c2", every=2)
        t0 = time.monotonic()
        sand = login.check_output(
            "runuser -u alice -- sbatch --parsable -o /dev/null -p short -q burst -A datasci -w c2 -n1 -t 5 "
            "--wrap 'sleep 20'").strip()
        wait_until(lambda: _states(node, sand) == ["RUNNING"], 10,
                   lambda: f"the sand job did not start on a full c2: {squeue(node(CTL), '%i|%T|%r', '-a', f'-j {sand}')}",
                   every=0.5)
        print(f"\nsand job without --mem started on a c2 full of the site's jobs in {time.monotonic() - t0:.1f} s")
        states = _states(node, *ids)
        assert "SUSPENDED" in states, states
        wait_until(lambda: _states(node, *ids) == ["RUNNING"] * len(ids), 90,
                   "carol's suspended job did not resume after the sand job", every=2)
    finally:
        node(CTL).run("scancel " + " ".join(ids))
    test_the_sites_long_job_runs_on_untouched(node)


def test_the_hub_spawns_a_notebook_as_a_job_in_the_bundles_partition(ca_file, node):
    session = log_in(ca_file, "alice")
    try:
        spawn(session, "alice", "interactive")
        jobs = squeue(node(CTL), "%u|%P|%q|%a|%T", "-a", "-u alice")
        print(f"\nalice's jobs: {jobs}")
        assert ["alice", "short", "interactive", "datasci", "RUNNING"] in jobs
    finally:
        stop(session, "alice")


def test_the_gateway_starts_a_cluster_on_the_site(alice, node):
    """Clusters from alice's notebook: their schedulers and workers run as
    Slurm jobs of alice in the bundle's partition and QOS, and the first
    computation of each of ten new clusters in a row succeeds, with no
    retry (dask_clusters.py: the defects that made it fail)."""
    from kernel import Kernel

    def first_clusters_jobs():
        jobs = squeue(node(CTL), "%u|%j|%P|%q|%a|%T", "-a", "-u alice")
        assert jobs.count(["alice", "dask-gateway", "short", "burst", "datasci", "RUNNING"]) == 2, jobs

    k = Kernel(alice, "alice")
    try:
        k.run("import time\nfrom dask_gateway import Gateway\ngateway = Gateway()\n")
        module = start_up_module(k)
        print(f"\nthe notebook kernel's start-up module: {module}")
        assert module == "module /etc/dask/python/sitecustomize.py gateway-patched True", module
        results = clusters_in_a_row(k, after_first=first_clusters_jobs)
        failed = [(number, first) for number, (_ready, first) in enumerate(results, 1) if first != "6"]
        assert not failed and len(results) == CLUSTERS_IN_A_ROW, f"first computations that failed: {failed}"
    except AssertionError:
        print(node(CTL).run("sacct -X -S now-10minutes -o jobid,user,jobname,partition,qos,state,nodelist,exitcode").stdout)
        raise
    finally:
        k.close()


def test_the_preview_before_the_bundle_showed_the_fragment_and_changed_nothing(node):
    """prepare.yml ran validate.yml and slurm.yml with --check --diff on the
    center as it was (the first step of docs/overlay.md)."""
    preview = json.loads(node(CTL).check_output("cat /root/bundle-preview.json"))
    out = preview["stdout"]
    assert preview["rc"] == 0, out[-3000:]
    assert re.search(r"^\+PartitionName=short Nodes=c\[1-2\] .*PriorityTier=2$", out, re.M), out[-3000:]
    assert "+Include hpc-datasci.conf" in out and "+PreemptType=preempt/partition_prio" in out
    assert preview["before"].split()[0] == preview["after"].split()[0]
    assert "No such file" in preview["after"]
    print("\n" + "\n".join(line for line in out.splitlines() if line.startswith(("+Partition", "+Preempt", "+Include"))))


def test_check_diff_shows_the_fragment_and_changes_nothing(node, ansible_args):
    before = node(CTL).check_output(f"cat {FRAGMENT}")
    run = run_playbook(ansible_args, "playbooks/slurm.yml", "--check", "--diff",
                       "-e", '{"slurm_partitions": {"short": {"MaxTime": "3:00:00"}}}')
    assert run.returncode == 0, run.stdout[-3000:]
    assert "MaxTime=2:00:00" in run.stdout and "MaxTime=3:00:00" in run.stdout, run.stdout[-3000:]
    assert re.search(r"^\+PartitionName=short .*MaxTime=3:00:00", run.stdout, re.M), run.stdout[-3000:]
    assert node(CTL).check_output(f"cat {FRAGMENT}") == before
    assert "MaxTime=02:00:00" in node(CTL).check_output("scontrol show partition short -o")


def test_a_conflicting_key_is_reported_and_nothing_is_applied(node, ansible_args):
    before = node(CTL).check_output(f"md5sum {FRAGMENT} {SLURM_CONF}")
    config = _config(node(CTL).check_output("scontrol show config"))
    run = run_playbook(ansible_args, "playbooks/slurm.yml",
                       "-e", '{"slurm_overlay_keys": ["PreemptType", "PreemptMode", "SchedulerParameters"]}')
    assert run.returncode != 0
    print("\n" + "\n".join(line for line in run.stdout.splitlines() if "SchedulerParameters is set" in line)[:600])
    assert f"SchedulerParameters is set to bf_continue in {SLURM_CONF}:" in run.stdout, run.stdout[-3000:]
    assert "Nothing was changed" in run.stdout
    assert node(CTL).check_output(f"md5sum {FRAGMENT} {SLURM_CONF}") == before
    assert _config(node(CTL).check_output("scontrol show config"))["SchedulerParameters"] == config["SchedulerParameters"]


def test_a_login_host_that_cannot_submit_stops_the_play(node, ansible_args):
    before = node(CTL).check_output(f"md5sum {FRAGMENT} {SLURM_CONF}")
    run = run_playbook(ansible_args, "playbooks/slurm.yml", "-e", "slurm_overlay_test_user=nobody",
                       "-e", '{"slurm_partitions": {"short": {"MaxTime": "3:00:00"}}}')
    assert run.returncode != 0
    assert "login1 cannot submit jobs as nobody (sbatch --test-only exited with" in run.stdout, run.stdout[-3000:]
    assert node(CTL).check_output(f"md5sum {FRAGMENT} {SLURM_CONF}") == before
    assert "MaxTime=02:00:00" in node(CTL).check_output("scontrol show partition short -o")


def test_managed_mode_on_the_sites_own_slurm_is_refused_before_any_change(node, ansible_args):
    before = node(CTL).check_output(f"md5sum {SLURM_CONF} /etc/munge/munge.key")
    run = run_playbook(ansible_args, "playbooks/validate.yml", "playbooks/platform_check.yml",
                       "-e", "slurm_mode=managed", "-e", "slurm_cluster_name=center")
    assert run.returncode != 0
    assert "already run a Slurm the bundle did not install (/etc/slurm/slurm.conf was not written by it)" \
        in run.stdout, run.stdout[-3000:]
    assert "Set slurm_mode: overlay to lay the bundle onto the site's Slurm" in run.stdout, run.stdout[-3000:]
    assert node(CTL).check_output(f"md5sum {SLURM_CONF} /etc/munge/munge.key") == before


EXTRA = json.dumps({"slurm_partitions": {"extra": {"PriorityTier": 1, "MaxTime": "1:00:00", "QOS": "trial"}},
                    "slurm_qos": {"trial": {"Priority": 1}},
                    "slurm_accounts": [{"name": "datasci", "users": ["alice", "bob"], "default_qos": "normal",
                                        "qos": ["normal", "interactive", "burst", "trial"]}]})


def test_a_removed_partition_and_qos_go_only_when_no_job_uses_them(node, ansible_args):
    ctl = node(CTL)
    run = run_playbook(ansible_args, "playbooks/slurm.yml", "-e", EXTRA)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "PartitionName=extra" in ctl.check_output("scontrol show partition -o")
    job = node(LOGIN).check_output(
        "runuser -u alice -- sbatch --parsable -o /dev/null -p extra -q trial -A datasci -n1 --mem=50M -t 10 --wrap 'sleep 300'").strip()
    try:
        run = run_playbook(ansible_args, "playbooks/slurm.yml")
        assert run.returncode != 0
        assert f"partition extra is no longer listed, but jobs still use it ({job})" in run.stdout, run.stdout[-3000:]
        assert f"QOS trial (the bundle's) is no longer listed, but jobs still use it ({job})" in run.stdout
        assert "PartitionName=extra" in ctl.check_output("scontrol show partition -o")
    finally:
        ctl.run(f"scancel {job}")
    wait_until(lambda: not squeue(node(CTL), "%i", "-a", f"-j {job}"), 60, "the job did not end", every=2)
    run = run_playbook(ansible_args, "playbooks/slurm.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    partitions = _records(ctl.check_output("scontrol show partition -o"), "PartitionName")
    assert set(partitions) == {*SITE_PARTITIONS, "short"}
    qos = ctl.check_output("sacctmgr -n -P show qos format=name").split()
    assert "trial" not in qos and "premium" in qos


def test_the_preview_named_the_job_that_blocked_its_node_and_changed_nothing(node):
    """prepare.yml's first preview ran while carol's job `before-force`, started
    before the site made its partitions OverSubscribe=FORCE:1, held c2 with
    dedicated cores: it stopped before any change, naming the job, its node
    and its end (docs/overlay.md, "Adopting suspend mode while the site's
    jobs run"); the second preview, once the job had ended, passed (the test
    above)."""
    preview = json.loads(node(CTL).check_output("cat /root/bundle-preview-blocked.json"))
    job = node(CTL).check_output("cat /root/site-job-before-force").strip()
    out = preview["stdout"]
    named = re.search(rf"job {job} \(carol, partition general\) on c2 until (\S+ \S+ UTC)", out)
    print(f"\nthe first preview (rc {preview['rc']}): job {job} on c2 until {named and named.group(1)}")
    assert preview["rc"] != 0 and named, out[-3000:]
    assert "The nodes c2 would be blocked for sand" in out and "slurm_sand_mode: tiers" in out, out[-3000:]
    assert preview["before"].split()[0] == preview["after"].split()[0]
    assert "No such file" in preview["after"]


def test_no_running_job_holds_a_node_of_the_sand_partition_with_dedicated_cores(node):
    """After the documented way through (the preview's job ended before the
    install), no running job blocks a node for suspend mode."""
    jobs = json.loads(node(CTL).check_output("squeue -a --json"))["jobs"]
    held = [(j["job_id"], j["partition"], j["job_resources"]["nodes"]["list"]) for j in jobs
            if "ONE_ROW" in ((j.get("job_resources") or {}).get("nodes") or {}).get("select_type", [])]
    print(f"\njobs holding their nodes with dedicated cores: {held or 'none'}")
    assert held == []


def test_the_site_check_names_a_blocked_node_as_blocked_until_the_jobs_end(node, ansible_args):
    """A job of carol's started while express was briefly not
    OverSubscribe=FORCE (scontrol update, as a site would) holds c2: the site
    check notes c2 as blocked by that job until its end, and passes."""
    ctl = node(CTL)
    job = ""
    try:
        ctl.check_output("scontrol update PartitionName=express OverSubscribe=NO")
        job = node(LOGIN).check_output(
            "runuser -u carol -- sbatch --parsable -J blocks-c2 -p express -w c2 -n1 --mem=100M --time=30:00"
            " --chdir=/home/carol --wrap 'sleep 600'").strip()
        wait_until(lambda: _states(node, job) == ["RUNNING"], 60, f"job {job} running")
        ctl.check_output("scontrol update PartitionName=express OverSubscribe=FORCE:1")
        run = run_playbook(ansible_args, "playbooks/site_check.yml", "-e", "site_check_job_timeout=20")
        note = re.search(rf"c2 is blocked, not broken: job {job} \(carol, partition express\) on c2 until [^;]*",
                         run.stdout)
        print(f"\nthe site check (rc {run.returncode}): {note and note.group(0)}")
        assert run.returncode == 0 and note, run.stdout[-3000:]
    finally:
        ctl.run("scontrol update PartitionName=express OverSubscribe=FORCE:1")
        if job:
            ctl.run(f"scancel {job}")
