"""One table of Slurm values, read the same way by every plugin.

Each table below lists inputs with what they mean (or BAD when Slurm, and so
the bundle, refuses them). The same rows go through plugins/module_utils/
slurm_vocab.py itself, through the validation filter (the slurm_time_minutes
filter and slurm_site_errors on a QOS attribute) and through the sacctmgr
module's normalize(): all three must agree, row by row. Before the one
vocabulary they did not: the module read "1:75:00" as 2:15:00 while the
filter refused it, the module took the flag Relative (which Slurm 22.05
refuses) and the filter did not, and the filter refused a GraceTime of
"00:02:00" that the module takes.
"""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter import slurm_validation
from ansible_collections.hpc.datasci.plugins.module_utils import sacctmgr as sm
from ansible_collections.hpc.datasci.plugins.module_utils import slurm_vocab as vocab

BAD = object()


def _ids(rows):
    return [repr(row[0]) for row in rows]


def qos_errors(**attributes):
    """slurm_site_errors of a small valid site whose QOS `normal` has
    ``attributes``."""
    site = {
        "cluster_name": "test",
        "partitions": [{"name": "batch", "Default": "YES", "MaxTime": "1-00:00:00",
                        "DefaultTime": "1:00:00"}],
        "qos": [dict(name="normal", **attributes)],
        "accounts": [],
        "config": {},
        "qos_purge": False,
        "short_share_percent": 50,
        "groups": {"slurm_controller": ["head"], "slurm_dbd": ["head"],
                   "slurm_compute": ["node1"], "login": []},
        "node_names": ["node1"],
    }
    return slurm_validation.slurm_site_errors(site)


def test_the_small_site_is_valid():
    assert qos_errors() == []


# --- Times: (value, minutes; None = no limit) ----------------------------------------

TIMES = [
    ("1:75:00", BAD),           # minutes out of range (the module read 2:15:00)
    ("90:00", 90),              # MM:SS takes any number of minutes
    ("30:01", 31),              # seconds round up to a minute
    ("1:00:00", 60),
    ("2-00:00:00", 2880),
    ("7-0", 10080),
    ("1-12:30", 2190),
    (90, 90),                   # a bare number is minutes
    ("90", 90),
    (-1, None),
    ("-1", None),
    ("UNLIMITED", None),
    ("infinite", None),
    ("8h", BAD),
    ("2 days", BAD),
    ("1-24:00:00", BAD),        # hours after days must be 0-23
    ("10:61", BAD),             # seconds must be 0-59
    ("1.5", BAD),
    ("1:2:3:4", BAD),
    (-5, BAD),
]


@pytest.mark.parametrize(("value", "minutes"), TIMES, ids=_ids(TIMES))
def test_time_in_slurm_vocab(value, minutes):
    if minutes is BAD:
        with pytest.raises(vocab.SlurmValueError):
            vocab.time_minutes(value)
    else:
        assert vocab.time_minutes(value) == minutes


@pytest.mark.parametrize(("value", "minutes"), TIMES, ids=_ids(TIMES))
def test_time_in_the_filter(value, minutes):
    if minutes is BAD:
        with pytest.raises(AnsibleFilterError):
            slurm_validation.slurm_time_minutes(value)
    else:
        assert slurm_validation.slurm_time_minutes(value) == minutes


@pytest.mark.parametrize(("value", "minutes"), TIMES, ids=_ids(TIMES))
def test_time_in_the_validation_of_a_qos_maxwall(value, minutes):
    errors = qos_errors(MaxWall=value)
    if minutes is BAD:
        assert len(errors) == 1
        assert errors[0].startswith(
            "slurm_qos[0] (normal): MaxWall %r is not a time Slurm accepts (" % (value,))
    else:
        assert errors == []


@pytest.mark.parametrize(("value", "minutes"), TIMES, ids=_ids(TIMES))
def test_time_in_the_sacctmgr_module(value, minutes):
    if minutes is BAD:
        with pytest.raises(sm.NormalizeError):
            sm.normalize('MaxWall', value)
    else:
        seconds = None if minutes is None else minutes * 60
        assert sm.normalize('MaxWall', value) == seconds


def test_the_same_reason_for_a_bad_time_everywhere():
    reason = "(minutes must be 0-59)"
    with pytest.raises(vocab.SlurmValueError, match=r"^minutes must be 0-59$"):
        vocab.time_minutes("1:75:00")
    with pytest.raises(AnsibleFilterError) as filtered:
        slurm_validation.slurm_time_minutes("1:75:00")
    with pytest.raises(sm.NormalizeError) as normalized:
        sm.normalize('MaxWall', "1:75:00")
    assert reason in str(filtered.value)
    assert reason in qos_errors(MaxWall="1:75:00")[0]
    assert "1:75:00' (minutes must be 0-59;" in normalized.value.msg


# GraceTime counts seconds when bare: (value, seconds).
GRACE_TIMES = [
    (120, 120),
    ("120", 120),
    ("02:00", 120),
    ("00:02:00", 120),
    ("1-00", 86400),
    ("2m", BAD),
    ("00:02:75", BAD),
]


@pytest.mark.parametrize(("value", "seconds"), GRACE_TIMES, ids=_ids(GRACE_TIMES))
def test_grace_time_everywhere(value, seconds):
    if seconds is BAD:
        with pytest.raises(vocab.SlurmValueError):
            vocab.parse_time(value, bare_unit=1)
        with pytest.raises(sm.NormalizeError):
            sm.normalize('GraceTime', value)
        assert len(qos_errors(GraceTime=value)) == 1
    else:
        assert vocab.parse_time(value, bare_unit=1) == seconds
        assert sm.normalize('GraceTime', value) == seconds
        assert qos_errors(GraceTime=value) == []


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "00:00:00"), (120, "00:02:00"), (86400, "1-00:00:00"), (90061, "1-01:01:01"),
    (None, "UNLIMITED"),
])
def test_format_time_reads_back(seconds, text):
    assert vocab.format_time(seconds) == text
    assert vocab.parse_time(text) == seconds


# --- Memory sizes: (value, MiB) ------------------------------------------------------

MEMORY = [
    ("4G", 4096),
    ("4096", 4096),             # a bare number is MiB
    (4096, 4096),
    ("4096M", 4096),
    ("4gb", 4096),
    ("1.5G", 1536),
    ("512K", 1),                # rounds up to whole MiB
    ("1T", 1048576),
    ("lots", BAD),
    ("4 G", BAD),
    ("-4G", BAD),
]


@pytest.mark.parametrize(("value", "mib"), MEMORY, ids=_ids(MEMORY))
def test_memory_everywhere(value, mib):
    tres = "cpu=1,mem=%s" % value
    if mib is BAD:
        with pytest.raises(vocab.SlurmValueError):
            vocab.parse_memory_mb(value)
        with pytest.raises(sm.NormalizeError):
            sm.normalize('MaxTRESPerUser', tres)
        assert len(qos_errors(MaxTRESPerUser=tres)) == 1
    else:
        assert vocab.parse_memory_mb(value) == mib
        assert sm.normalize('MaxTRESPerUser', tres) == {"cpu": 1, "mem": mib}
        assert qos_errors(MaxTRESPerUser=tres) == []


@pytest.mark.parametrize(("mib", "text"), [(4096, "4G"), (1536, "1536M"), (1048576, "1T")])
def test_format_memory(mib, text):
    assert vocab.format_memory_mb(mib) == text
    assert vocab.parse_memory_mb(text) == mib


# --- TRES strings: (value, {name: count}; None = cleared) --------------------------------

TRES = [
    ("cpu=4,mem=4G", {"cpu": 4, "mem": 4096}, "cpu=4,mem=4G"),
    ("node=2,cpu=4", {"cpu": 4, "node": 2}, "cpu=4,node=2"),
    ("CPU=4,gres/gpu=2", {"cpu": 4, "gres/gpu": 2}, "cpu=4,gres/gpu=2"),
    ("mem=0", {"mem": 0}, "mem=0M"),
    ("billing=1K", {"billing": 1024}, "billing=1024"),
    ("bb/cray=1G", {"bb/cray": 1024}, "bb/cray=1G"),
    ("cpu=-1,node=2", {"node": 2}, "node=2"),      # name=-1 drops that TRES
    ("cpu=-1", None, None),
    ("cpu", BAD, None),
    ("cpu:4", BAD, None),
    ("cpu=four", BAD, None),
    ("=4", BAD, None),
    ("cpu=1.5", BAD, None),
    ("mem=lots", BAD, None),
]


@pytest.mark.parametrize(("value", "tres", "shown"), TRES, ids=_ids(TRES))
def test_tres_everywhere(value, tres, shown):
    if tres is BAD:
        with pytest.raises(vocab.SlurmValueError):
            vocab.parse_tres(value)
        with pytest.raises(sm.NormalizeError):
            sm.normalize('GrpTRES', value)
        assert len(qos_errors(GrpTRES=value)) == 1
    else:
        assert (vocab.parse_tres(value) or None) == tres
        assert sm.normalize('GrpTRES', value) == tres
        assert qos_errors(GrpTRES=value) == []
        assert vocab.format_tres(tres) == shown
        assert sm.display('GrpTRES', tres) == shown


# --- QOS flags: (value, flags) -------------------------------------------------------

FLAGS = [
    ("DenyOnLimit,NoReserve", {"DenyOnLimit", "NoReserve"}),
    ("noreserve", {"NoReserve"}),
    (["NoDecay", "OverPartQOS"], {"NoDecay", "OverPartQOS"}),
    ("UsageFactorSafe", {"UsageFactorSafe"}),
    ("-1", set()),
    ("Relative", BAD),          # Slurm 23.11 and later only; 22.05 refuses it
    ("NoReserve,Relative", BAD),
    ("+NoReserve", BAD),        # the role sets the whole list
    ("NoReserv", BAD),
]


@pytest.mark.parametrize(("value", "flags"), FLAGS, ids=_ids(FLAGS))
def test_qos_flags_everywhere(value, flags):
    if flags is BAD:
        with pytest.raises(vocab.SlurmValueError):
            vocab.parse_qos_flags(value)
        with pytest.raises(sm.NormalizeError):
            sm.normalize('Flags', value)
        assert len(qos_errors(Flags=value)) == 1
    else:
        assert vocab.parse_qos_flags(value) == frozenset(flags)
        assert sm.normalize('Flags', value) == (frozenset(f.lower() for f in flags) or None)
        assert qos_errors(Flags=value) == []


def test_relative_is_read_back_from_a_newer_slurm():
    # What sacctmgr prints is taken as it is, known to this bundle or not.
    assert sm.normalize('Flags', 'NoReserve,Relative', output=True) == frozenset(
        {'noreserve', 'relative'})


def test_one_flag_list():
    assert "Relative" not in vocab.QOS_FLAGS
    assert slurm_validation.QOS_FLAGS is vocab.QOS_FLAGS is sm.QOS_FLAGS


# --- Preemption modes ------------------------------------------------------------------

PREEMPT_MODES = [
    ("requeue", {"requeue"}),
    ("REQUEUE", {"requeue"}),
    ("gang,suspend", {"gang", "suspend"}),
    ("off", {"cluster"}),
    ("cluster", {"cluster"}),
    ("kill", BAD),
]


@pytest.mark.parametrize(("value", "modes"), PREEMPT_MODES, ids=_ids(PREEMPT_MODES))
def test_preempt_mode_everywhere(value, modes):
    if modes is BAD:
        with pytest.raises(vocab.SlurmValueError):
            vocab.parse_preempt_mode(value)
        with pytest.raises(sm.NormalizeError):
            sm.normalize('PreemptMode', value)
        assert len(qos_errors(PreemptMode=value)) == 1
    else:
        assert vocab.parse_preempt_mode(value) == frozenset(modes)
        assert sm.normalize('PreemptMode', value) == frozenset(modes)
        assert qos_errors(PreemptMode=value) == []


# --- Counts (GrpJobs and other limits): (value, count; None = cleared) ------------------

COUNTS = [
    ("7", 7),
    (7, 7),
    ("7.0", 7),
    ("0", 0),
    ("-1", None),
    (-1, None),
    ("UNLIMITED", None),
    ("7.5", BAD),
    ("many", BAD),
    (-3, BAD),
]


@pytest.mark.parametrize(("value", "count"), COUNTS, ids=_ids(COUNTS))
def test_counts_everywhere(value, count):
    if count is BAD:
        with pytest.raises(sm.NormalizeError):
            sm.normalize('GrpJobs', value)
        assert qos_errors(GrpJobs=value) == [
            "slurm_qos[0] (normal): GrpJobs must be a whole number (-1 clears it), not %r." % (value,)]
    else:
        assert sm.normalize('GrpJobs', value) == count
        assert qos_errors(GrpJobs=value) == []


# --- QOS attribute names: (key, the attribute it means; None = not a QOS attribute) ----

KEYS = [
    ("MaxWall", "MaxWall"),
    ("maxwall", "MaxWall"),                 # Slurm matches keys in any case
    ("MaxTRES", "MaxTRESPerJob"),
    ("MaxJobs", "MaxJobsPerUser"),          # the QOS meaning of MaxJobs
    ("MaxWallDurationPerJob", "MaxWall"),
    ("MinPrioThreshold", "MinPrioThresh"),
    ("MaxTRESRunMinsPerUser", "MaxTRESRunMinsPU"),
    ("MaxJobsPerUsr", None),
    ("GrpCPUs", None),                      # replaced by GrpTRES=cpu=<n>
    ("Fairshare", None),                    # an association attribute
]


@pytest.mark.parametrize(("key", "target"), KEYS, ids=_ids(KEYS))
def test_qos_keys_everywhere(key, target):
    assert vocab.resolve_key('qos', key) == target
    tres = target is not None and vocab.ATTRIBUTES[target].kind == vocab.TRES
    value = "cpu=1" if tres else "1"
    errors = qos_errors(**{key: value})
    if target is None:
        with pytest.raises(sm.SacctmgrError):
            sm.normalize_attributes('qos', {key: value})
        assert len(errors) == 1
    else:
        assert list(sm.normalize_attributes('qos', {key: value})) == [target]
        if key.lower() == target.lower():
            assert errors == []
        else:
            # the inventory spells each attribute one way: the filter names
            # the attribute the module would have set
            assert errors == ["slurm_qos[0] (normal): key '%s' is an alias; write %s instead, so "
                              "that each attribute has one spelling." % (key, target)]


def test_the_validated_qos_keys_are_the_module_table():
    assert slurm_validation.QOS_KEYS == tuple(vocab.allowed_attributes('qos'))
    assert set(slurm_validation.QOS_KEYS) == set(sm.allowed_attributes('qos'))


@pytest.mark.parametrize(("minutes", "limit", "over"), [
    (55, "1:00:00", False),
    (60, "1:00:00", False),
    (61, "1:00:00", True),
    (None, "1:00:00", True),          # an unlimited job is above any limit
    (90, "UNLIMITED", False),
    (90, None, False),                # no limit set
    (90, "1:75:00", False),           # not a time: the Slurm checks report it
    (4320, "2-00:00:00", True),
    (90, 60, True),                   # a bare number is minutes
])
def test_over_time_limit(minutes, limit, over):
    assert vocab.over_time_limit(minutes, limit) is over
