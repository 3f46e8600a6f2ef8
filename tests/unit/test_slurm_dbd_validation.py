"""slurmdbd's checks (plugins/filter/slurm_dbd_validation.py): the purge
times read as slurmdbd reads them, every message exactly."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_dbd_validation import (
    FilterModule,
    parse_purge,
    slurm_dbd_errors,
)

# The role's default (roles/slurm/defaults/main.yml).
DEFAULT = {
    "PurgeEventAfter": "12month", "PurgeJobAfter": "12month", "PurgeResvAfter": "2month",
    "PurgeStepAfter": "2month", "PurgeSuspendAfter": "1month", "PurgeTXNAfter": "12month",
    "PurgeUsageAfter": "24month",
}
FORMATS = "<N>month, <N>day or <N>hour (e.g. 12month)"


@pytest.mark.parametrize(("value", "expected"), [
    ("12month", (12, "months")),
    ("12months", (12, "months")),
    ("12", (12, "months")),
    (12, (12, "months")),
    ("90days", (90, "days")),
    ("90d", (90, "days")),
    ("48hours", (48, "hours")),
    ("48HOUR", (48, "hours")),
    ("48h", (48, "hours")),
    ("1m", (1, "months")),
    (" 3month ", (3, "months")),
    ("12weeks", None),
    ("12monthss", None),
    ("twelve", None),
    ("-1month", None),
    ("1.5month", None),
    ("", None),
    (None, None),
    (True, None),
])
def test_purge_times_as_slurmdbd_reads_them(value, expected):
    assert parse_purge(value) == expected


@pytest.mark.parametrize("dbd", [
    {"purge": DEFAULT, "config": {}},
    {"purge": {}, "config": {}},
    {"purge": dict(DEFAULT, PurgeJobAfter=None), "config": {}},  # kept forever
    {"purge": dict(DEFAULT, PurgeStepAfter="30days"), "config": {"PurgeJobAfter": "6month"}},
    {"purge": DEFAULT, "config": {"DebugLevel": "info"}},
    {"purge": DEFAULT},
])
def test_good_settings_pass(dbd):
    assert slurm_dbd_errors(dbd) == []


@pytest.mark.parametrize(("dbd", "messages"), [
    ({"purge": dict(DEFAULT, PurgeJobAfter="12weeks"), "config": {}},
     ["slurm_dbd_purge.PurgeJobAfter 12weeks is not a slurmdbd purge time: write %s, or null to keep these records"
      " forever" % FORMATS]),
    ({"purge": dict(DEFAULT, PurgeStepAfter="0days"), "config": {}},
     ["slurm_dbd_purge.PurgeStepAfter 0days would purge every record at once: give at least 1 (%s), or null to keep"
      " these records forever" % FORMATS]),
    ({"purge": dict(DEFAULT, PurgeJobsAfter="12month"), "config": {}},
     ["slurm_dbd_purge.PurgeJobsAfter is not a purge key of slurmdbd.conf: use one of PurgeEventAfter, PurgeJobAfter,"
      " PurgeResvAfter, PurgeStepAfter, PurgeSuspendAfter, PurgeTXNAfter, PurgeUsageAfter"]),
    ({"purge": ["12month"], "config": {}},
     ["slurm_dbd_purge must be a dict of slurmdbd.conf purge keys (PurgeEventAfter, PurgeJobAfter, PurgeResvAfter,"
      " PurgeStepAfter, PurgeSuspendAfter, PurgeTXNAfter, PurgeUsageAfter) to times such as 12month"]),
    ({"purge": DEFAULT, "config": {"purgejobafter": "a year"}},
     ["slurm_dbd_config.purgejobafter a year is not a slurmdbd purge time: write %s, or null to keep these records"
      " forever" % FORMATS]),
    ({"purge": DEFAULT, "config": "PurgeJobAfter=1"},
     ["slurm_dbd_config must be a dict of slurmdbd.conf keys"]),
    ({"purge": dict(DEFAULT, PurgeEventAfter="1y", PurgeTXNAfter="0"), "config": {"PurgeUsageAfter": "2yr"}},
     ["slurm_dbd_purge.PurgeEventAfter 1y is not a slurmdbd purge time: write %s, or null to keep these records"
      " forever" % FORMATS,
      "slurm_dbd_purge.PurgeTXNAfter 0 would purge every record at once: give at least 1 (%s), or null to keep"
      " these records forever" % FORMATS,
      "slurm_dbd_config.PurgeUsageAfter 2yr is not a slurmdbd purge time: write %s, or null to keep these records"
      " forever" % FORMATS]),
])
def test_each_problem_is_named_with_its_fix(dbd, messages):
    assert slurm_dbd_errors(dbd) == messages


def test_the_input_must_be_a_dict():
    with pytest.raises(AnsibleFilterError, match="slurm_dbd_errors expects a dict"):
        slurm_dbd_errors(["12month"])


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["slurm_dbd_errors"] is slurm_dbd_errors
