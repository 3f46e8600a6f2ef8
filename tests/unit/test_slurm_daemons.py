"""Which of a host's Slurm daemons run (plugins/filter/slurm_daemons.py), as
the slurm role's handlers read them after service_facts."""

import pytest
from _filters import load_filter
from ansible.errors import AnsibleFilterError

daemons = load_filter("slurm_daemons")

SERVICES = {
    "slurmctld.service": {"name": "slurmctld.service", "state": "running", "status": "enabled"},
    "slurmd.service": {"name": "slurmd.service", "state": "stopped", "status": "enabled"},
    "munge": {"name": "munge", "state": "running", "status": "enabled"},
    "slurmdbd.service": {"name": "slurmdbd.service", "state": "inactive", "status": "disabled"},
}


@pytest.mark.parametrize(("host_daemons", "running"), [
    (["slurmctld", "slurmd"], ["slurmctld"]),
    (["slurmd"], []),
    (["munge", "slurmctld"], ["munge", "slurmctld"]),
    ([], []),
])
def test_only_the_hosts_daemons_that_run(host_daemons, running):
    assert daemons.slurm_running_daemons(SERVICES, host_daemons) == running


def test_no_services_read_means_none_run():
    assert daemons.slurm_running_daemons(None, ["slurmctld"]) == []
    with pytest.raises(AnsibleFilterError, match="expects ansible_facts.services"):
        daemons.slurm_running_daemons(["slurmctld"], ["slurmctld"])


def test_the_filter_is_registered():
    assert daemons.FilterModule().filters() == {"slurm_running_daemons": daemons.slurm_running_daemons}
