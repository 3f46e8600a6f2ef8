"""The checks site.yml runs around the install, on the running site, each
made to fail the way a center's site would: a prefix that is not shared,
and a compute node that cannot launch jobs."""

import pytest
from helpers import run_playbook

# After every other test, with the drills: one breaks a node for a minute.
pytestmark = pytest.mark.fault_drill


def test_the_storage_check_stops_on_a_prefix_that_is_not_shared(ansible_args, node):
    # /var/tmp is each container's own: a marker login1 writes there is not
    # on c1 and c2, as /opt/software is not at a site where it is node-local.
    result = run_playbook(ansible_args, "playbooks/storage_check.yml", "-e", "miniforge_prefix=/var/tmp/hpcds-not-shared/miniforge3",
                          timeout=600)
    assert result.returncode != 0, result.stdout[-3000:]
    assert ("miniforge_shared_storage is true, but a marker that login1 wrote in /var/tmp (the deepest existing "
            "directory of miniforge_prefix, /var/tmp/hpcds-not-shared/miniforge3) is not visible on c1, c2. "
            "Either mount the shared storage at /var/tmp") in result.stdout, result.stdout[-3000:]
    assert node("login1").run("ls -A /var/tmp | grep -c hpc-datasci-storage-probe").stdout.strip() == "0", "a marker was left"


def test_the_site_check_names_a_node_that_cannot_launch_jobs(ansible_args, node):
    c2 = node("c2")
    c2.check_output("chmod a-x /usr/sbin/slurmstepd")
    try:
        result = run_playbook(ansible_args, "playbooks/site_check.yml", timeout=600)
    finally:
        c2.check_output("chmod a+x /usr/sbin/slurmstepd")
    assert result.returncode != 0, result.stdout[-3000:]
    assert "c2 could not run the check job of alice" in result.stdout, result.stdout[-3000:]
    assert "slurmd on c2" in result.stdout
    assert "c1 could not" not in result.stdout
    # Repaired, the same check passes.
    node("ctl").run("scontrol update nodename=c2 state=resume")
    assert run_playbook(ansible_args, "playbooks/site_check.yml", timeout=600).returncode == 0
