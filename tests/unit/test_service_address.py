"""Where the hub and the gateway listen and where the host's own clients
reach them (plugins/filter/service_address.py), from the inventory's address
and the result of the module internal_address, as tasks/main.yml of
jupyterhub and tasks/gateway.yml of dask_gateway set them."""

import pytest
from _filters import load_filter
from ansible.errors import AnsibleFilterError

service = load_filter("service_address")

FOUND = {"changed": False, "address": "10.20.0.5", "peers": {"c1": "10.20.1.11"}, "sources": {"c1": "10.20.0.5"}}
# The task is skipped when the inventory asks for every interface.
SKIPPED = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False", "false_condition": "..."}


@pytest.mark.parametrize(("found", "configured", "expected"), [
    # Nothing in the inventory: the address found, which the proxy or the probe also uses.
    (FOUND, "", {"bind": "10.20.0.5", "local": "10.20.0.5"}),
    # The inventory's address (the module returns it as found, checked).
    ({**FOUND, "address": "10.1.2.3"}, "10.1.2.3", {"bind": "10.1.2.3", "local": "10.1.2.3"}),
    # The inventory's address wins over any other found.
    (FOUND, "10.1.2.3", {"bind": "10.1.2.3", "local": "10.1.2.3"}),
    # Every interface: the host's own clients go over loopback.
    (SKIPPED, "0.0.0.0", {"bind": "0.0.0.0", "local": "127.0.0.1"}),
    # Nothing known (no result, nothing given): empty, reached over loopback.
    (None, "", {"bind": "", "local": "127.0.0.1"}),
    (SKIPPED, None, {"bind": "", "local": "127.0.0.1"}),
])
def test_the_bound_and_the_local_address(found, configured, expected):
    assert service.service_address(found, configured) == expected


def test_a_result_that_is_no_dict_is_refused():
    with pytest.raises(AnsibleFilterError, match="service_address expects the result of internal_address "
                                                 r"\(a dict\), not str"):
        service.service_address("10.20.0.5", "")


def test_the_filter_is_registered():
    assert service.FilterModule().filters() == {"service_address": service.service_address}
