"""Unit tests of the hub's module (roles/jupyterhub/files/hpc_datasci_hub.py):
the port-only callback handler, the profiles (form, form data, refusals,
apply_user_options), what the spawn page says while the job waits (the
squeue line, reasons in words, the expected start, the progress events),
the options configure() sets, and JupyterHub's own login path refusing
hostile user names under the role's pattern, without a hub."""

import asyncio
import datetime
import json
import logging
import pathlib
import time
from types import SimpleNamespace

import pytest
import yaml
from _modules import load_file
from ansible_collections.hpc.datasci.plugins.filter.jupyterhub_validation import (
    DEFAULT_USERNAME_PATTERN,
    HOSTILE_USERNAMES,
)
from batchspawner import SlurmSpawner
from batchspawner.api import BatchSpawnerAPIHandler
from jupyterhub import apihandlers
from jupyterhub.auth import Authenticator, PAMAuthenticator
from tornado import web
from traitlets.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "roles" / "jupyterhub" / "files"
hub = load_file("hpc_datasci_hub", FILES / "hpc_datasci_hub.py")

PROFILES = [
    {"name": "interactive", "display_name": "Interactive, 2 hours", "partition": "short",
     "qos": "interactive", "cpus": 2, "memory": "4G", "runtime": "2:00:00"},
    {"name": "burst", "display_name": "Burst, 30 minutes", "partition": "short",
     "qos": "burst", "cpus": 1, "memory": "2G", "runtime": "30:00"},
]


# Real answers of sbatch --test-only (tests/unit/fixtures/slurm-*/README.md
# says how each was captured).
FIXTURES = ROOT / "tests" / "unit" / "fixtures"


def _captured(release, name):
    """One captured answer: the lines between '== name' and the next '==',
    without the capture's own comments (# ...)."""
    text = (FIXTURES / release / "sbatch_test_only.txt").read_text()
    section = text.split("== " + name + "\n", 1)[1].split("\n== ", 1)[0]
    return "".join(line + "\n" for line in section.splitlines() if not line.startswith("# "))


# sbatch --test-only's answers on Slurm 24.11 (the demo site): that the
# job would start at NOW + 2 s, at NOW + 4 min, and two refusals.
TEST_ONLY_NOW = "sbatch: Job 500210 to start at 2026-11-26T14:01:02 using 1 processors on nodes c1 in partition short\n"
TEST_ONLY_24_11_WAITS = "sbatch: Job 500211 to start at 2026-11-26T14:05:00 using 1 processors on nodes c1 in partition short\n"
TEST_ONLY_24_11_QOS_NOT_ALLOWED = _captured("slurm-24.11", "qos_not_allowed")
TEST_ONLY_24_11_OVER_A_LIMIT = _captured("slurm-24.11", "over_maxwall")


class FakeSpawner:
    """What apply_user_options and the form touch on a spawner: its user,
    its log and test_only(), which answers with sbatch --test-only's real
    output for each QOS in `answers` (the profile "starts now" otherwise)
    and records the requests it was asked."""

    user_options = {"profile": "burst"}

    def __init__(self, answers=None, name="alice", delay=0.0):
        self.user = SimpleNamespace(name=name)
        self.log = logging.getLogger("fake-spawner")
        self.answers = answers or {}
        self.delay = delay
        self.asked = []

    async def test_only(self, request, timeout):
        self.asked.append(request)
        await asyncio.sleep(self.delay)
        output, rc = self.answers.get(request["qos"], (TEST_ONLY_NOW, 0))
        return hub.parse_test_only(output, rc, NOW)


@pytest.fixture(autouse=True)
def no_scontrol_here(monkeypatch):
    """The hub's own scontrol calls (the QOS's shared limits) answer nothing
    in these tests unless a test gives its own."""
    async def nothing(timeout):
        return None

    monkeypatch.setattr(hub, "read_shared_limits", nothing)


# --- The job's callback -------------------------------------------------------------------------


@pytest.mark.parametrize("body, ok", [
    ({"port": 8888}, True),
    ({"port": 1}, True),
    ({"port": 65535}, True),
    ({"port": 0}, False),
    ({"port": 65536}, False),
    ({"port": -1}, False),
    ({"port": "8888"}, False),
    ({"port": 8888.0}, False),
    ({"port": True}, False),
    ({"port": None}, False),
    ({}, False),
    ({"port": 8888, "ip": "10.0.0.1"}, False),
    ({"port": 8888, "cmd": ["/bin/sh"]}, False),
    ({"server": {"port": 8888}}, False),
    ([8888], False),
])
def test_only_a_port_may_be_reported(body, ok):
    assert hub.valid_port_report(body) is ok


def _handler(body):
    """A PortOnlyBatchSpawnerAPIHandler without a hub, answering body."""
    handler = object.__new__(hub.PortOnlyBatchSpawnerAPIHandler)
    handler.get_json_body = lambda: body
    return handler


@pytest.fixture
def stock_post(monkeypatch):
    """Replaces batchspawner's own post with a recorder."""
    calls = []
    monkeypatch.setattr(BatchSpawnerAPIHandler, "post", lambda self: calls.append(self) or "stock")
    return calls


def test_a_port_report_reaches_batchspawners_handler(stock_post):
    handler = _handler({"port": 40123})
    # Unwrapped from web.authenticated: the hub checks the token first.
    assert hub.PortOnlyBatchSpawnerAPIHandler.post.__wrapped__(handler) == "stock"
    assert stock_post == [handler]


@pytest.mark.parametrize("body", [{"port": 40123, "ip": "0.0.0.0"}, {"port": "40123"}, None, {}])
def test_any_other_report_is_refused_with_400(stock_post, body):
    with pytest.raises(web.HTTPError) as refused:
        hub.PortOnlyBatchSpawnerAPIHandler.post.__wrapped__(_handler(body))
    assert refused.value.status_code == 400
    assert refused.value.log_message == "only an integer port may be reported"
    assert stock_post == []


def test_the_handler_still_requires_authentication():
    assert hasattr(hub.PortOnlyBatchSpawnerAPIHandler.post, "__wrapped__")


def test_the_port_only_handler_replaces_batchspawners_route():
    hub.install_port_only_handler()
    hub.install_port_only_handler()  # twice: the config may be loaded again
    routes = dict(apihandlers.default_handlers)
    assert routes[r"/api/batchspawner"] is hub.PortOnlyBatchSpawnerAPIHandler
    assert BatchSpawnerAPIHandler not in routes.values()
    assert [r for r, _ in apihandlers.default_handlers].count(r"/api/batchspawner") == 1


# --- Profiles ----------------------------------------------------------------------------------


def test_a_profile_reaches_the_spawner():
    spawner = FakeSpawner()
    asyncio.run(hub.Profiles(PROFILES).apply_user_options(spawner, {"profile": "interactive"}))
    assert (spawner.req_partition, spawner.req_qos, spawner.req_runtime, spawner.req_nprocs, spawner.req_memory) == (
        "short", "interactive", "2:00:00", "2", "4G")
    assert spawner.user_options == {}


def test_a_profile_reaches_batchspawners_traits():
    spawner = SlurmSpawner()
    spawner.test_only = FakeSpawner().test_only
    spawner.user = SimpleNamespace(name="alice")
    asyncio.run(hub.Profiles(PROFILES).apply_user_options(spawner, {"profile": "burst"}))
    assert (spawner.req_partition, spawner.req_qos, spawner.req_runtime, spawner.req_nprocs, spawner.req_memory) == (
        "short", "burst", "30:00", "1", "2G")


@pytest.mark.parametrize("options", [{}, {"profile": ""}, {"profile": None}])
def test_no_profile_means_the_first(options):
    spawner = FakeSpawner()
    asyncio.run(hub.Profiles(PROFILES).apply_user_options(spawner, options))
    assert spawner.req_qos == "interactive"


@pytest.mark.parametrize("options, message", [
    ({"profile": "gpu"}, "unknown profile 'gpu'"),
    ({"profile": "Interactive"}, "unknown profile 'Interactive'"),
    ({"profile": ["burst"]}, "unknown profile ['burst']"),
    ({"profile": "burst", "partition": "batch"}, "unknown spawn options: partition"),
    ({"qos": "normal", "req_memory": "1T"}, "unknown spawn options: qos, req_memory"),
])
def test_anything_but_a_profile_name_is_refused_at_spawn(options, message):
    spawner = FakeSpawner()
    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(hub.Profiles(PROFILES).apply_user_options(spawner, options))
    assert refused.value.status_code == 400
    assert refused.value.log_message == message
    assert not hasattr(spawner, "req_partition")


def test_profiles_need_at_least_one():
    with pytest.raises(ValueError, match="no profile"):
        hub.Profiles([])


@pytest.mark.parametrize("formdata, options", [
    ({"profile": ["burst"]}, {"profile": "burst"}),
    ({"profile": ["burst", "interactive"]}, {"profile": "burst"}),
    ({}, {"profile": "interactive"}),
    ({"profile": []}, {"profile": "interactive"}),
    ({"profile": ["burst"], "partition": ["batch"]}, {"profile": "burst"}),
])
def test_the_form_gives_only_a_profile_name(formdata, options):
    assert hub.Profiles(PROFILES).options_from_form(formdata) == options


def _form(profiles, spawner):
    return asyncio.run(hub.Profiles(profiles, now=lambda: NOW).options_form(spawner))


def test_the_form_offers_every_profile_with_what_it_would_get_now():
    form = _form(PROFILES, FakeSpawner({"burst": (TEST_ONLY_24_11_WAITS, 0)}))
    assert form == (
        '<label for="profile" class="form-label">Profile</label>'
        '<select class="form-select" name="profile" id="profile">'
        '<option value="interactive" selected>Interactive, 2 hours — starts now</option>'
        '<option value="burst">Burst, 30 minutes — expected start in 4 min (14:05)</option>'
        "</select>"
        '<ul class="form-text list-unstyled mt-2" id="profile-starts">'
        '<li class="profile-start profile-start-now" data-profile="interactive">'
        "<strong>Interactive, 2 hours</strong>: Starts now.</li>"
        '<li class="profile-start profile-start-waits" data-profile="burst">'
        "<strong>Burst, 30 minutes</strong>: Expected start: in 4 min (14:05). Why: It waits for CPUs, memory or "
        "nodes to become free (estimated from the time limits of the jobs running now).</li>"
        "</ul>"
    )


def test_a_profile_slurm_refuses_is_disabled_with_its_reason_and_the_next_one_selected():
    form = _form(PROFILES, FakeSpawner({"interactive": (TEST_ONLY_24_11_QOS_NOT_ALLOWED, 1)}))
    assert '<option value="interactive" disabled>Interactive, 2 hours — cannot start</option>' in form
    assert '<option value="burst" selected>Burst, 30 minutes — starts now</option>' in form
    assert ("<strong>Interactive, 2 hours</strong>: Cannot start: your Slurm account may not use its QOS "
            "(Slurm: Invalid qos specification).</li>") in form


def test_no_profile_is_selected_when_slurm_refuses_every_one():
    refused = (TEST_ONLY_24_11_QOS_NOT_ALLOWED, 1)
    form = _form(PROFILES, FakeSpawner({"interactive": refused, "burst": refused}))
    assert " selected" not in form and form.count(" disabled>") == 2


def test_the_form_escapes_every_inserted_name():
    profiles = [dict(PROFILES[0], name='a"><script>x</script>',
                     display_name="<script>alert('hi')</script> & <b>bold</b>")]
    form = _form(profiles, FakeSpawner())
    assert "<script>" not in form and "<b>" not in form
    assert ('<option value="a&quot;&gt;&lt;script&gt;x&lt;/script&gt;" selected>'
            "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; — starts now</option>") in form
    assert 'data-profile="a&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in form


def test_a_profile_slurm_refuses_is_refused_at_spawn_with_slurms_reason():
    spawner = FakeSpawner({"burst": (TEST_ONLY_24_11_OVER_A_LIMIT, 1)})
    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(hub.Profiles(PROFILES).apply_user_options(spawner, {"profile": "burst"}))
    assert refused.value.status_code == 400
    assert refused.value.log_message == (
        "profile 'burst': Cannot start: its time limit is longer than its QOS allows for one job "
        "(Slurm: QOSMaxWallDurationPerJobLimit).")
    assert not hasattr(spawner, "req_partition")


@pytest.mark.parametrize("output, rc", [
    ("sudo: unable to resolve host login1\n", 1),
    ("sbatch: error: allocation failure: Unable to contact slurm controller (connect failure)\n", 1),
])
def test_a_profile_whose_start_is_unknown_still_spawns(output, rc):
    spawner = FakeSpawner({"burst": (output, rc)})
    asyncio.run(hub.Profiles(PROFILES).apply_user_options(spawner, {"profile": "burst"}))
    assert spawner.req_qos == "burst"


# --- What each profile would get now: sbatch --test-only ------------------------------------------

@pytest.mark.parametrize("release", ["slurm-22.05", "slurm-24.11"])
def test_an_expected_start_within_a_minute_is_starts_now(release):
    output = _captured(release, "idle")
    start = hub.WILL_RUN_RE.search(output).group(1)
    now = datetime.datetime.fromisoformat(start) - datetime.timedelta(seconds=1)
    verdict = hub.parse_test_only(output, 0, now)
    assert (verdict.kind, verdict.start) == (hub.NOW, start)
    assert hub.verdict_text(verdict, now) == "Starts now."
    later = now - datetime.timedelta(seconds=hub.STARTS_NOW_SECONDS + 60)
    assert hub.parse_test_only(output, 0, later).kind == hub.WAITS


@pytest.mark.parametrize("release", ["slurm-22.05", "slurm-24.11"])
def test_a_later_start_is_a_wait_for_resources_with_its_time(release):
    output = _captured(release, "busy")
    start = datetime.datetime.fromisoformat(hub.WILL_RUN_RE.search(output).group(1))
    now = start - datetime.timedelta(minutes=4, seconds=10)
    verdict = hub.parse_test_only(output, 0, now)
    assert verdict.kind == hub.WAITS
    assert hub.verdict_text(verdict, now) == (
        "Expected start: in 4 min ({:%H:%M}). Why: It waits for CPUs, memory or nodes to become free "
        "(estimated from the time limits of the jobs running now).".format(start))
    assert hub.short_verdict(verdict, now) == "expected start in 4 min ({:%H:%M})".format(start)


def test_a_wait_that_would_preempt_jobs_is_read_the_same():
    output = TEST_ONLY_24_11_WAITS + "sbatch:   Preempts: 500201,500202\n"
    assert hub.parse_test_only(output, 0, NOW).kind == hub.WAITS


@pytest.mark.parametrize("release, name, words", [
    ("slurm-24.11", "qos_not_allowed", "your Slurm account may not use its QOS"),
    ("slurm-24.11", "qos_unknown", "your Slurm account may not use its QOS"),
    ("slurm-24.11", "over_maxwall", "its time limit is longer than its QOS allows for one job"),
    ("slurm-24.11", "over_max_tres_per_job", "it asks for more than its QOS allows for one job"),
    ("slurm-24.11", "invalid_account", "your Slurm account is not valid, or may not use its partition"),
    ("slurm-24.11", "over_partition_maxtime", "its time limit is longer than its partition or QOS allows"),
    ("slurm-24.11", "invalid_partition", "its partition does not exist"),
    ("slurm-24.11", "too_much_memory", "no node of its partition has the CPUs or memory it asks for"),
    ("slurm-22.05", "invalid_partition", "its partition does not exist"),
    ("slurm-22.05", "too_much_memory", "no node of its partition has the CPUs or memory it asks for"),
    ("slurm-22.05", "too_many_cpus", "no node of its partition has the CPUs or memory it asks for"),
])
def test_slurms_refusals_are_never_with_their_reason_in_words(release, name, words):
    output = _captured(release, name)
    verdict = hub.parse_test_only(output, 1, NOW)
    assert verdict.kind == hub.NEVER, output
    assert verdict.words.startswith(words)
    assert verdict.slurm in output
    assert hub.verdict_text(verdict).startswith("Cannot start: " + words)


@pytest.mark.parametrize("output, rc, said", [
    ("sbatch: error: allocation failure: Unable to contact slurm controller (connect failure)\n", 1,
     "Unable to contact slurm controller (connect failure)"),
    ("sbatch: error: allocation failure: Required partition not available (inactive or drain)\n", 1,
     "Required partition not available (inactive or drain)"),
    ("sudo: a password is required\n", 1, "sudo: a password is required"),
    ("", 1, "no answer, exit status 1"),
    ("sbatch: Job 7 to start at Thu 14:05 using 1 processors on nodes c1 in partition short\n", 0,
     "Thu 14:05"),
])
def test_anything_else_is_unknown_and_says_what_slurm_said(output, rc, said):
    verdict = hub.parse_test_only(output, rc, NOW)
    assert verdict.kind == hub.UNKNOWN
    assert said in verdict.slurm or said in verdict.words, verdict
    assert hub.verdict_text(verdict).startswith("Expected start: unknown (")


def test_a_page_load_costs_one_call_per_profile_and_loads_within_the_ttl_share_it():
    clock = [0.0]
    starts = hub.ExpectedStarts(ttl=10, timeout=3, clock=lambda: clock[0])
    profiles = hub.Profiles(PROFILES, starts=starts, now=lambda: NOW)
    alice, bob = FakeSpawner(), FakeSpawner(name="bob")

    async def loads():
        await asyncio.gather(profiles.options_form(alice), profiles.options_form(alice))
        await profiles.options_form(bob)
        clock[0] = 9.9
        await profiles.options_form(alice)
        await profiles.apply_user_options(alice, {"profile": "burst"})
        clock[0] = 10.1
        await profiles.options_form(alice)

    asyncio.run(loads())
    assert [r["qos"] for r in alice.asked] == ["interactive", "burst"] * 2
    assert [r["qos"] for r in bob.asked] == ["interactive", "burst"]
    assert set(starts.cache) == {("alice", "interactive"), ("alice", "burst")}  # bob's answers are past their time


def test_the_calls_run_side_by_side_and_a_slow_slurm_is_unknown_within_the_timeout():
    starts = hub.ExpectedStarts(ttl=10, timeout=0.5)
    many = [dict(PROFILES[0], name=f"p{i}", qos=f"q{i}") for i in range(6)]
    t0 = time.monotonic()
    verdicts = asyncio.run(starts.verdicts(FakeSpawner(delay=0.3), many))
    assert time.monotonic() - t0 < 1.0  # six calls of 0.3 s, side by side
    assert {v.kind for v in verdicts} == {hub.NOW}
    t0 = time.monotonic()
    form = asyncio.run(hub.Profiles(PROFILES, starts=hub.ExpectedStarts(timeout=0.2), now=lambda: NOW)
                       .options_form(FakeSpawner(delay=5)))
    assert time.monotonic() - t0 < 1.5
    assert "Interactive, 2 hours — start unknown" in form and "Expected start: unknown (no answer within 0.2 s)." in form
    assert " selected" in form and " disabled" not in form


def test_a_failing_test_only_is_unknown_and_logged(caplog):
    spawner = FakeSpawner()

    async def broken(request, timeout):
        raise RuntimeError("sbatch not found")

    spawner.test_only = broken
    verdicts = asyncio.run(hub.ExpectedStarts().verdicts(spawner, PROFILES[:1]))
    assert verdicts[0].kind == hub.UNKNOWN and verdicts[0].slurm == "sbatch not found"
    assert "sbatch --test-only of profile interactive for alice: sbatch not found" in caplog.text


JOB_SCRIPT = (ROOT / "roles" / "jupyterhub" / "templates" / "etc" / "jupyterhub" / "notebook_job.sh.j2").read_text()


def _real_spawner(tmp_path, sbatch_body):
    """A QueueAwareSlurmSpawner with the role's job script whose exec prefix
    and sbatch are stand-ins in tmp_path: sbatch records its arguments and
    the script it reads, then runs sbatch_body."""
    sbatch = tmp_path / "sbatch"
    sbatch.write_text("#!/bin/sh\necho \"$@\" > {0}/args\ncat > {0}/script\n{1}\n".format(tmp_path, sbatch_body))
    sbatch.chmod(0o755)
    script = JOB_SCRIPT.split("{% raw %}")[1].split("{% endraw %}")[0]
    spawner = hub.QueueAwareSlurmSpawner(batch_script=script, req_account="datasci",
                                         exec_prefix="env SUDO_AS={username}", batch_submit_cmd=f"{sbatch} --parsable")
    spawner.user = SimpleNamespace(name="alice")
    spawner.req_homedir = "/home/alice"
    return spawner


def test_test_only_asks_sbatch_with_the_job_script_the_profile_would_submit(tmp_path):
    spawner = _real_spawner(tmp_path, "echo 'sbatch: Job 9 to start at 2000-01-01T00:00:00 using 1 processors on nodes c1 "
                                      "in partition short' >&2")
    verdict = asyncio.run(spawner.test_only(hub.profile_request(PROFILES[1]), 5))
    assert verdict.kind == hub.NOW
    assert (tmp_path / "args").read_text() == "--parsable --test-only\n"
    lines = (tmp_path / "script").read_text().splitlines()
    assert [line for line in lines if line.startswith("#SBATCH --")][4:] == [
        "#SBATCH --partition=short", "#SBATCH --qos=burst", "#SBATCH --account=datasci", "#SBATCH --time=30:00",
        "#SBATCH --cpus-per-task=1", "#SBATCH --mem=2G"]
    # The spawner's own request is untouched, and the started server's
    # environment (req_keepvars) is not read before the spawn.
    assert spawner.req_qos == "" and "req_keepvars" not in spawner._trait_values


def test_test_only_gives_up_after_its_timeout(tmp_path):
    spawner = _real_spawner(tmp_path, "sleep 20")
    t0 = time.monotonic()
    verdict = asyncio.run(spawner.test_only(hub.profile_request(PROFILES[0]), 0.5))
    assert time.monotonic() - t0 < 3
    assert (verdict.kind, verdict.slurm) == (hub.UNKNOWN, "no answer within 0.5 s")


def _demo_limits():
    """The demo's shared limits while two 1-CPU burst jobs of alice fill
    the partition QOS short, set to GrpTRES=cpu=2 (real 24.11 output)."""
    return hub.SharedLimits(
        hub.parse_partition_qos((FIXTURES / "slurm-24.11" / "scontrol_show_partition_o_demo.txt").read_text()),
        hub.parse_qos_limits((FIXTURES / "slurm-24.11" / "assoc_mgr_qos_short_full.txt").read_text()))


def test_the_shared_limits_are_read_from_scontrols_real_output():
    limits = _demo_limits()
    assert limits.partition_qos == {"short": "short"}  # batch has none (QoS=N/A)
    assert set(limits.qos) == {"normal", "interactive", "burst", "scavenger", "short"}
    assert limits.qos["short"]["GrpTRES"]["cpu"] == (2, 2)
    assert limits.qos["short"]["GrpTRES"]["mem"] == (None, 200)
    assert limits.qos["short"]["GrpJobs"][None] == (None, 2)
    assert limits.qos["interactive"]["users"]["bob"]["MaxJobsPU"][None] == (2, 0)
    assert limits.qos["burst"]["users"]["alice"]["MaxTRESPU"]["cpu"] == (256, 2)
    assert "MaxTRESPA" not in limits.qos["burst"]  # the account's limits are not the QOS's


def test_a_full_partition_qos_turns_starts_now_into_a_wait_with_its_reason():
    limits = _demo_limits()
    now = hub.parse_test_only(TEST_ONLY_NOW, 0, NOW)
    verdict = hub.with_shared_limits(now, PROFILES[1], "bob", limits)
    assert (verdict.kind, verdict.slurm) == (hub.WAITS, "QOSGrpCpuLimit, QOS short")
    assert hub.verdict_text(verdict, NOW) == (
        "Expected start: not known yet. Why: Its QOS already uses all the CPUs it may use at once, a limit shared "
        "by all its users (QOSGrpCpuLimit, QOS short).")
    assert hub.short_verdict(verdict, NOW) == "expected start not known"
    waits = hub.parse_test_only(TEST_ONLY_24_11_WAITS, 0, NOW)
    assert hub.verdict_text(hub.with_shared_limits(waits, PROFILES[1], "bob", limits), NOW) == (
        "Expected start: in 4 min (14:05). Why: Its QOS already uses all the CPUs it may use at once, a limit "
        "shared by all its users (QOSGrpCpuLimit, QOS short).")


def test_a_per_user_limit_is_the_users_own():
    limits = _demo_limits()
    limits.qos["short"]["GrpTRES"]["cpu"] = (4, 2)
    limits.qos["interactive"]["users"]["bob"]["MaxJobsPU"][None] = (2, 2)
    now = hub.parse_test_only(TEST_ONLY_NOW, 0, NOW)
    assert hub.with_shared_limits(now, PROFILES[0], "bob", limits).slurm == "QOSMaxJobsPerUserLimit, QOS interactive"
    assert hub.with_shared_limits(now, PROFILES[0], "alice", limits) is now
    # two CPUs left in the share: a 2-CPU profile fits, a 3-CPU one does not
    assert hub.with_shared_limits(now, dict(PROFILES[1], cpus=2), "alice", limits) is now
    assert hub.with_shared_limits(now, dict(PROFILES[1], cpus=3), "alice", limits).slurm == "QOSGrpCpuLimit, QOS short"


def test_the_shared_limits_leave_refusals_and_unknowns_alone():
    limits = _demo_limits()
    never = hub.parse_test_only(TEST_ONLY_24_11_QOS_NOT_ALLOWED, 1, NOW)
    unknown = hub.parse_test_only("", 1, NOW)
    now = hub.parse_test_only(TEST_ONLY_NOW, 0, NOW)
    assert hub.with_shared_limits(never, PROFILES[1], "bob", limits) is never
    assert hub.with_shared_limits(unknown, PROFILES[1], "bob", limits) is unknown
    assert hub.with_shared_limits(now, PROFILES[1], "bob", None) is now


def test_the_shared_limits_are_read_once_per_ttl_for_all_users_and_a_failure_leaves_sbatchs_verdicts():
    clock, reads = [0.0], []

    async def read(timeout):
        reads.append(timeout)
        return _demo_limits() if len(reads) == 1 else None

    starts = hub.ExpectedStarts(ttl=10, timeout=3, clock=lambda: clock[0], read_limits=read)

    async def loads():
        full = await starts.verdicts(FakeSpawner(), PROFILES)
        await starts.verdicts(FakeSpawner(name="bob"), PROFILES)
        clock[0] = 11
        return full, await starts.verdicts(FakeSpawner(), PROFILES)

    full, again = asyncio.run(loads())
    assert [v.slurm for v in full] == ["QOSGrpCpuLimit, QOS short"] * 2
    assert [v.kind for v in again] == [hub.NOW, hub.NOW] and reads == [3, 3]


# --- What the spawn page says while the job waits -----------------------------------------------

NOW = datetime.datetime(2026, 11, 26, 14, 1, 0)


@pytest.mark.parametrize("line, status", [
    ("PENDING 2026-11-26T14:05:00 Priority n/a", ("PENDING", "2026-11-26T14:05:00", "Priority", "n/a")),
    ("PENDING N/A ReqNodeNotAvail, UnavailableNodes:c[1-2] n/a",
     ("PENDING", "N/A", "ReqNodeNotAvail, UnavailableNodes:c[1-2]", "n/a")),
    ("RUNNING 2026-11-26T13:58:12 None c1\n", ("RUNNING", "2026-11-26T13:58:12", "None", "c1")),
    ("PENDING N/A  n/a", ("PENDING", "N/A", "", "n/a")),
    # batchspawner's own format, as kept in the hub's state from before.
    ("RUNNING c1", ("RUNNING", None, None, "c1")),
    ("PENDING", ("PENDING", None, None, None)),
])
def test_the_squeue_line_gives_state_start_reason_and_host(line, status):
    assert tuple(hub.parse_squeue_line(line)) == status


@pytest.mark.parametrize("text", ["", "  \n", None])
def test_no_squeue_line_gives_none(text):
    assert hub.parse_squeue_line(text) is None


@pytest.mark.parametrize("line, pending, running, host", [
    ("PENDING 2026-11-26T14:05:00 Priority n/a", True, False, None),
    ("CONFIGURING 2026-11-26T14:00:00 None c1", True, False, None),
    ("RUNNING 2026-11-26T13:58:12 None c1", False, True, "c1"),
    ("RUNNING 2026-11-26T13:58:12 None c1.cluster.example.org", False, True, "c1.cluster.example.org"),
    ("COMPLETING 2026-11-26T13:58:12 None c2", False, True, "c2"),
])
def test_batchspawners_own_expressions_read_the_longer_line(line, pending, running, host):
    spawner = hub.QueueAwareSlurmSpawner()
    spawner.job_status = line
    assert bool(spawner.state_ispending()) is pending
    assert bool(spawner.state_isrunning()) is running
    if running:
        assert spawner.state_gethost() == host


@pytest.mark.parametrize("reason, words, never", [
    ("Priority", "jobs with a higher priority are ahead of it", False),
    ("Resources", "it waits for CPUs, memory or nodes to become free", False),
    ("QOSGrpCpuLimit", "its QOS already uses all the CPUs it may use at once, a limit shared by all its users",
     False),
    ("QOSMaxJobsPerUserLimit", "you already run as many jobs in its QOS as one user may; it starts when one of "
                               "them ends", False),
    ("AssocGrpCpuLimit", "your Slurm account already uses all the CPUs it may use at once", False),
    ("ReqNodeNotAvail, UnavailableNodes:c[1-2]", "the nodes it may use are down, drained or reserved", False),
    ("BeginTime", "it may not start before its begin time", False),
    ("Dependency", "it waits for another job to end", False),
    ("JobHeldUser", "it is held by its owner (scontrol release lets it go)", False),
    ("JobHeldAdmin", "an administrator holds it", False),
    ("PartitionTimeLimit", "its time limit is longer than its partition allows", True),
    ("QOSMaxWallDurationPerJobLimit", "its time limit is longer than its QOS allows for one job", True),
    ("AssocMaxWallDurationPerJobLimit", "its time limit is longer than your Slurm account allows for one job", True),
    # Families: every TRES has its own code.
    ("QOSMaxCpuPerJobLimit", "it asks for more than its QOS allows for one job", True),
    ("QOSMaxMemoryPerJob", "it asks for more than its QOS allows for one job", True),
    ("QOSMaxCpuPerNode", "it asks for more than its QOS allows for one job", True),
    ("AssocMaxGRESPerJob", "it asks for more than your Slurm account allows for one job", True),
    ("QOSMinGRES", "it asks for less than its QOS requires", True),
    ("QOSMaxGRESPerUser", "you have reached a per-user limit of its QOS; it starts when one of your jobs in it ends",
     False),
    ("QOSGrpGRES", "its QOS has reached a limit shared by all its users", False),
    ("AssocGrpMemRunMinutes", "your Slurm account has reached a limit shared by its jobs", False),
    ("MaxCpuPerAccount", "your Slurm account has reached a limit of its QOS", False),
])
def test_a_reason_in_words(reason, words, never):
    assert hub.reason_in_words(reason) == (words, never)


@pytest.mark.parametrize("reason", ["SomethingNew", "launch failed requeued held", "QOSJobLimit"])
def test_an_unknown_reason_has_no_words(reason):
    assert hub.reason_in_words(reason) is None


@pytest.mark.parametrize("seconds, text", [
    (0, "less than a minute"),
    (59, "less than a minute"),
    (60, "1 min"),
    (89, "1 min"),
    (90, "2 min"),
    (3569, "59 min"),
    (3570, "1 h"),
    (7500, "2 h 5 min"),
    (86399, "1 day"),
    (86400 + 3 * 3600 + 20 * 60, "1 day 3 h"),
    (3 * 86400 + 60, "3 days"),
])
def test_a_wait_in_words(seconds, text):
    assert hub.format_duration(seconds) == text


@pytest.mark.parametrize("start, text", [
    ("2026-11-26T14:05:00", "Expected start: in 4 min (14:05)."),
    ("2026-11-26T14:01:40", "Expected start: in less than a minute (14:01)."),
    ("2026-11-26T16:31:00", "Expected start: in 2 h 30 min (16:31)."),
    ("2026-11-27T09:00:00", "Expected start: in 18 h 59 min (2026-11-27 09:00)."),
    ("2026-11-29T14:01:00", "Expected start: in 3 days (2026-11-29 14:01)."),
    ("2026-11-29T15:01:00", "Expected start: in 3 days 1 h (2026-11-29 15:01)."),
    ("2026-11-26T14:01:00", "Expected start: any moment (estimated for 14:01)."),
    ("2026-11-26T13:50:00", "Expected start: any moment (estimated for 13:50)."),
    ("N/A", "Expected start: not known yet."),
    ("Unknown", "Expected start: not known yet."),
    ("", "Expected start: not known yet."),
    ("11/26 14:05", "Expected start: 11/26 14:05."),
])
def test_the_expected_start_relative_to_now(start, text):
    assert hub.format_start(start, NOW) == text


BURST = ("short", "burst")
NEVER = ("Stop this server (Home, Stop My Server) and choose another profile, or ask your HPC support.")


@pytest.mark.parametrize("job_id, kind, line, event", [
    ("", None, "", (10, "Submitting the notebook job to Slurm.")),
    ("1234", None, "", (10, "Job 1234 submitted; asking Slurm for its state.")),
    ("1234", "pending", "PENDING 2026-11-26T14:05:00 Priority n/a",
     (20, "Job 1234 (PENDING) waits in the Slurm queue: jobs with a higher priority are ahead of it (Priority). "
          "Expected start: in 4 min (14:05).")),
    ("1234", "pending", "PENDING 2026-11-26T14:30:00 Resources n/a",
     (20, "Job 1234 (PENDING) waits in the Slurm queue: it waits for CPUs, memory or nodes to become free "
          "(Resources). Expected start: in 29 min (14:30).")),
    ("1234", "pending", "PENDING N/A QOSMaxJobsPerUserLimit n/a",
     (20, "Job 1234 (PENDING) waits in the Slurm queue: you already run as many jobs in its QOS as one user may; "
          "it starts when one of them ends (QOSMaxJobsPerUserLimit). Expected start: not known yet.")),
    ("1234", "pending", "PENDING N/A ReqNodeNotAvail, UnavailableNodes:c[1-2] n/a",
     (20, "Job 1234 (PENDING) waits in the Slurm queue: the nodes it may use are down, drained or reserved "
          "(ReqNodeNotAvail, UnavailableNodes:c[1-2]). Expected start: not known yet.")),
    ("1234", "pending", "PENDING N/A None n/a",
     (20, "Job 1234 (PENDING) waits in the Slurm queue: Slurm has not scheduled it yet. "
          "Expected start: not known yet.")),
    ("1234", "pending", "PENDING 2026-11-27T09:00:00 SomethingNew n/a",
     (20, "Job 1234 (PENDING) waits in the Slurm queue: Slurm's reason is SomethingNew. "
          "Expected start: in 18 h 59 min (2026-11-27 09:00).")),
    ("1234", "pending", "PENDING N/A QOSMaxWallDurationPerJobLimit n/a",
     (20, "Job 1234 (PENDING) cannot start with this profile (partition short, QOS burst): its time limit is "
          "longer than its QOS allows for one job (QOSMaxWallDurationPerJobLimit). " + NEVER)),
    ("1234", "pending", "PENDING N/A PartitionTimeLimit n/a",
     (20, "Job 1234 (PENDING) cannot start with this profile (partition short, QOS burst): its time limit is "
          "longer than its partition allows (PartitionTimeLimit). " + NEVER)),
    ("1234", "pending", "PENDING N/A QOSMaxMemoryPerJob n/a",
     (20, "Job 1234 (PENDING) cannot start with this profile (partition short, QOS burst): it asks for more "
          "than its QOS allows for one job (QOSMaxMemoryPerJob). " + NEVER)),
    ("1234", "pending", "CONFIGURING 2026-11-26T14:00:30 None c1",
     (20, "Job 1234 (CONFIGURING) has its nodes; Slurm is preparing them.")),
    ("1234", "pending", "PENDING c1", (20, "Job 1234 (PENDING) waits in the Slurm queue.")),
    ("1234", "running", "RUNNING 2026-11-26T14:00:58 None c1",
     (60, "Job 1234 (RUNNING) runs on c1; waiting for the notebook server to answer.")),
    ("1234", "unknown", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
     (20, "Job 1234: Slurm does not answer; asking again.")),
])
def test_the_spawn_pages_event(job_id, kind, line, event):
    assert hub.progress_event(job_id, kind, line, NOW, *BURST) == {"progress": event[0], "message": event[1]}


def test_a_job_that_can_never_start_without_a_profile_named():
    status = hub.parse_squeue_line("PENDING N/A InvalidQOS n/a")
    assert hub.pending_message("7", status, NOW) == (
        "Job 7 (PENDING) cannot start with this profile: its QOS is not valid (InvalidQOS). " + NEVER)


@pytest.mark.parametrize("line, kind", [
    ("PENDING N/A Priority n/a", "pending"),
    ("CONFIGURING N/A None c1", "pending"),
    ("RUNNING 2026-11-26T14:00:58 None c1", "running"),
    ("sudo: a password is required", "unknown"),
    ("slurm_load_jobs error: Socket timed out on send/recv operation", "unknown"),
    ("slurm_load_jobs error: Invalid job id specified", None),
    ("", None),
])
def test_the_spawner_classes_the_job_with_batchspawners_expressions(tmp_path, line, kind):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    spawner = hub.QueueAwareSlurmSpawner(config=c)
    spawner.job_id, spawner.job_status = "1234", line
    assert spawner.job_kind() == kind


def _progress(monkeypatch, spawner, lines):
    """The spawner's progress events while its squeue line goes through
    lines, the next line at each of its pauses."""
    lines = iter(lines)

    async def pause(_seconds):
        spawner.job_status = next(lines)

    async def collect():
        return [event async for event in spawner.progress()]

    monkeypatch.setattr(hub.asyncio, "sleep", pause)
    return asyncio.run(collect())


def test_progress_sends_each_new_line_until_the_job_runs(monkeypatch):
    spawner = hub.QueueAwareSlurmSpawner()
    spawner.job_id, spawner.job_status = "1234", "PENDING N/A None n/a"
    spawner.req_partition, spawner.req_qos = BURST
    events = _progress(monkeypatch, spawner, [
        "PENDING N/A None n/a",
        "PENDING N/A Priority n/a",
        "PENDING N/A Priority n/a",
        "PENDING N/A Resources n/a",
        "RUNNING 2026-11-26T14:00:58 None c1",
    ])
    assert events == [
        {"progress": 20, "message": "Job 1234 (PENDING) waits in the Slurm queue: Slurm has not scheduled it yet. "
                                    "Expected start: not known yet."},
        {"progress": 20, "message": "Job 1234 (PENDING) waits in the Slurm queue: jobs with a higher priority are "
                                    "ahead of it (Priority). Expected start: not known yet."},
        {"progress": 20, "message": "Job 1234 (PENDING) waits in the Slurm queue: it waits for CPUs, memory or "
                                    "nodes to become free (Resources). Expected start: not known yet."},
        {"progress": 60, "message": "Job 1234 (RUNNING) runs on c1; waiting for the notebook server to answer."},
    ]


def test_one_squeue_per_poll_as_the_user_gives_state_reason_and_start(monkeypatch):
    spawner = hub.QueueAwareSlurmSpawner(req_username="alice", req_homedir="/home/alice", req_keepvars="PATH")
    spawner.job_id = "1234"
    commands = []

    async def run_command(cmd, input=None, env=None):
        commands.append(cmd)
        return "PENDING 2026-11-26T14:05:00 Priority n/a"

    monkeypatch.setattr(spawner, "run_command", run_command)
    assert asyncio.run(spawner.query_job_status()).name == "PENDING"
    assert commands == ["sudo -E -u alice squeue -h -j 1234 -o '%T %S %r %B'"]
    assert spawner.progress_event(NOW)["message"].endswith("(Priority). Expected start: in 4 min (14:05).")


# --- configure() -------------------------------------------------------------------------------


def _settings(tmp_path, **changes):
    """Settings as the role renders them, with their files in tmp_path."""
    (tmp_path / "proxy.env").write_text("CONFIGPROXY_AUTH_TOKEN=proxy-secret\n")
    (tmp_path / "notebook_job.sh.j2").write_text("#!/bin/bash\n#SBATCH --job-name=jupyter-notebook\n")
    (tmp_path / "service_tokens.json").write_text(json.dumps({"dask-gateway": "t" * 40}))
    settings = {
        "state_dir": str(tmp_path), "config_dir": str(tmp_path), "venv": "/opt/jupyterhub",
        "hub_ip": "10.20.0.5", "hub_port": 8081, "hub_connect_name": "login1", "proxy_api_port": 8001, "public_url": "",
        "authenticator": "pam", "ldap": {}, "oauth": {}, "allowed_users": ["carol"],
        "allowed_groups": ["datasci"], "admin_users": ["admin"], "username_pattern": "^[a-z_][a-z0-9_.-]{0,31}$",
        "notebook_env": "/opt/software/envs/notebook",
        "start_timeout": 300, "slurm_account": "datasci", "profiles": PROFILES,
        "services": [{"name": "dask-gateway", "url": "http://login1:8010"}, {"name": "docs", "url": "http://d:1"}],
        "cull_timeout": 3600, "cull_every": 300,
    }
    settings.update(changes)
    return settings


def test_configure_sets_state_network_and_proxy(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path}/jupyterhub.sqlite"
    assert c.JupyterHub.cookie_secret_file == f"{tmp_path}/jupyterhub_cookie_secret"
    assert (c.JupyterHub.hub_ip, c.JupyterHub.hub_port, c.JupyterHub.hub_connect_ip) == ("10.20.0.5", 8081, "login1")
    assert "public_url" not in c.JupyterHub
    assert c.ConfigurableHTTPProxy.should_start is False
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8001"
    assert c.ConfigurableHTTPProxy.auth_token == "proxy-secret"
    assert c.JupyterHub.cleanup_servers is False
    assert c.JupyterHub.last_activity_interval == 10


def test_configure_sets_the_public_url_when_given(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path, public_url="https://hub.example.org/"))
    assert c.JupyterHub.public_url == "https://hub.example.org/"


def test_configure_sets_pam_logins(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    assert c.JupyterHub.authenticator_class == "pam"
    assert (c.PAMAuthenticator.service, c.PAMAuthenticator.open_sessions) == ("jupyterhub", False)
    assert c.PAMAuthenticator.allowed_groups == {"datasci"}
    assert (c.Authenticator.allowed_users, c.Authenticator.admin_users) == ({"carol"}, {"admin"})


@pytest.mark.parametrize("method, cls, section", [
    ("ldap", "ldapauthenticator.LDAPAuthenticator", "LDAPAuthenticator"),
    ("oauth", "generic-oauth", "GenericOAuthenticator"),
])
def test_configure_passes_the_authenticators_settings(tmp_path, method, cls, section):
    values = {"server_address": "ldap.example.org", "bind_dn_template": ["uid={username},dc=x"], "lookup_dn": True}
    c = Config()
    hub.configure(c, _settings(tmp_path, authenticator=method, **{method: values}))
    assert c.JupyterHub.authenticator_class == cls
    assert dict(c[section]) == values
    assert "allowed_groups" not in c.PAMAuthenticator


def test_configure_refuses_an_unknown_authenticator(tmp_path):
    with pytest.raises(ValueError, match="unknown authenticator 'kerberos'"):
        hub.configure(Config(), _settings(tmp_path, authenticator="kerberos"))


def test_configure_spawns_slurm_jobs_with_the_profiles(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    assert c.JupyterHub.spawner_class is hub.QueueAwareSlurmSpawner
    assert c.Spawner.cmd == ["/opt/software/envs/notebook/bin/jupyterhub-singleuser"]
    assert c.SlurmSpawner.batchspawner_singleuser_cmd == "/opt/software/envs/notebook/bin/batchspawner-singleuser"
    assert (c.Spawner.default_url, c.Spawner.start_timeout, c.Spawner.http_timeout) == ("/lab", 300, 120)
    assert c.Spawner.environment == {"JUPYTERHUB_ACTIVITY_INTERVAL": "60"}
    assert c.SlurmSpawner.batch_script == "#!/bin/bash\n#SBATCH --job-name=jupyter-notebook\n"
    assert (c.SlurmSpawner.req_srun, c.SlurmSpawner.req_account) == ("", "datasci")
    assert c.SlurmSpawner.state_unknown_re.startswith("^slurm_load_jobs error")
    spawner = hub.QueueAwareSlurmSpawner(config=c)
    assert spawner.req_account == "datasci"
    assert spawner.batch_script == "#!/bin/bash\n#SBATCH --job-name=jupyter-notebook\n"
    assert spawner.batch_query_cmd == "squeue -h -j {job_id} -o '%T %S %r %B'"
    spawner.user, spawner.test_only = SimpleNamespace(name="alice"), FakeSpawner().test_only
    asyncio.run(spawner.apply_user_options(spawner, {"profile": "burst"}))
    assert (spawner.req_partition, spawner.req_qos) == ("short", "burst")
    assert 'name="profile"' in asyncio.run(spawner.options_form(spawner))
    assert spawner.options_from_form({"profile": ["burst"]}) == {"profile": "burst"}


def test_configure_lists_services_with_their_tokens_and_the_culler(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    scopes = ["access:services!service=dask-gateway", "access:services!service=docs"]
    assert c.JupyterHub.services == [
        {"name": "dask-gateway", "url": "http://login1:8010", "display": False, "api_token": "t" * 40},
        {"name": "docs", "url": "http://d:1", "display": False},
        {"name": "idle-culler", "command": ["/opt/jupyterhub/bin/python3", "-m", "jupyterhub_idle_culler",
                                            "--timeout=3600", "--cull-every=300"]},
    ]
    assert c.JupyterHub.load_roles == [
        {"name": "idle-culler", "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
         "services": ["idle-culler"]},
        {"name": "user", "scopes": ["self"] + scopes},
    ]
    assert c.Spawner.server_token_scopes == ["users:activity!user", "access:servers!server"] + scopes


# --- The user-name pattern, for every authenticator ------------------------------------------------


class _FromIdentityProvider:
    """An authenticator whose identity provider sends the name it is given
    (the form's username), as an LDAP directory or an OAuth provider may."""

    async def authenticate(self, handler, data):
        return data["username"]


class LDAPAuthenticator(_FromIdentityProvider, Authenticator):
    """Stand-in of ldapauthenticator's class: reads c.LDAPAuthenticator and c.Authenticator."""


class GenericOAuthenticator(_FromIdentityProvider, Authenticator):
    """Stand-in of oauthenticator's class: reads c.GenericOAuthenticator and c.Authenticator."""


class PAMWithoutPAM(_FromIdentityProvider, PAMAuthenticator):
    """JupyterHub's PAMAuthenticator, its password check replaced."""


AUTHENTICATOR_CLASSES = {"pam": PAMWithoutPAM, "ldap": LDAPAuthenticator, "oauth": GenericOAuthenticator}
# Names the validation's hostile list holds, and those JupyterHub's own
# checks refuse before the pattern (a space around the name).
HOSTILE = list(HOSTILE_USERNAMES) + ["alice\n", " alice", "alice "]


def _login(method, tmp_path, name):
    """The user model JupyterHub's get_authenticated_user gives for name,
    logging in through method with the role's default pattern; None when
    refused."""
    c = Config()
    hub.configure(c, _settings(tmp_path, authenticator=method, allowed_users=[name.lower()], allowed_groups=[]))
    authenticator = AUTHENTICATOR_CLASSES[method](config=c)
    return asyncio.run(authenticator.get_authenticated_user(None, {"username": name, "password": "x"}))


@pytest.mark.parametrize("method", ["pam", "ldap", "oauth"])
def test_configure_sets_the_username_pattern_for_every_authenticator(tmp_path, method):
    c = Config()
    hub.configure(c, _settings(tmp_path, authenticator=method))
    assert c.Authenticator.username_pattern == DEFAULT_USERNAME_PATTERN
    assert AUTHENTICATOR_CLASSES[method](config=c).username_pattern == DEFAULT_USERNAME_PATTERN


@pytest.mark.parametrize("method", ["pam", "ldap", "oauth"])
@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_is_refused_at_login(tmp_path, method, name):
    assert _login(method, tmp_path, name) is None


@pytest.mark.parametrize("method", ["pam", "ldap", "oauth"])
@pytest.mark.parametrize("name, user", [("alice", "alice"), ("Alice", "alice"), ("_svc-1", "_svc-1"),
                                        ("j.doe", "j.doe"), ("J.Doe", "j.doe"), ("a" * 32, "a" * 32)])
def test_a_posix_name_logs_in(tmp_path, method, name, user):
    assert _login(method, tmp_path, name)["name"] == user


def test_a_name_too_long_for_useradd_is_refused(tmp_path):
    assert _login("pam", tmp_path, "a" * 33) is None


def test_the_default_pattern_is_the_roles_default():
    defaults = yaml.safe_load((ROOT / "roles" / "jupyterhub" / "defaults" / "main.yml").read_text())
    assert defaults["jupyterhub_username_pattern"] == DEFAULT_USERNAME_PATTERN


# --- A hub restarted while a notebook job waits ------------------------------------------------------


class _Db:
    def __init__(self):
        self.commits = 0

    def commit(self):
        self.commits += 1


class _OrmSpawner:
    state = None
    server = None


def _spawner_with_job(monkeypatch, line, spawn_pending):
    """A spawner whose job's squeue line is `line`, recording cancellations."""
    from batchspawner.batchspawner import JobStatus

    spawner = hub.QueueAwareSlurmSpawner()
    spawner.job_id = "42"
    spawner._spawn_pending = spawn_pending
    cancelled = []

    async def query_job_status():
        spawner.job_status = line
        if spawner.state_isrunning():
            return JobStatus.RUNNING
        return JobStatus.PENDING if spawner.state_ispending() else JobStatus.NOTFOUND

    async def cancel_batch_job():
        cancelled.append(spawner.job_id)

    monkeypatch.setattr(spawner, "query_job_status", query_job_status)
    monkeypatch.setattr(spawner, "cancel_batch_job", cancel_batch_job)
    return spawner, cancelled


def test_a_pending_job_no_spawn_waits_for_is_cancelled(monkeypatch):
    spawner, cancelled = _spawner_with_job(monkeypatch, "PENDING N/A Priority n/a", spawn_pending=False)
    assert asyncio.run(spawner.poll()) == 1
    assert cancelled == ["42"] and spawner.job_id == ""


@pytest.mark.parametrize(
    ("line", "spawn_pending"),
    [("PENDING N/A Priority n/a", True), ("RUNNING 2026-11-26T10:00:00 None c1", False)],
)
def test_a_job_a_spawn_waits_for_or_a_running_job_is_kept(monkeypatch, line, spawn_pending):
    spawner, cancelled = _spawner_with_job(monkeypatch, line, spawn_pending)
    assert asyncio.run(spawner.poll()) is None
    assert cancelled == [] and spawner.job_id == "42"


def test_the_job_id_is_in_the_database_as_soon_as_the_job_is_submitted(monkeypatch):
    spawner = hub.QueueAwareSlurmSpawner()
    spawner.db, spawner.orm_spawner = _Db(), _OrmSpawner()

    async def submit(self):
        self.job_id = "42"
        return "42"

    monkeypatch.setattr(SlurmSpawner, "submit_batch_script", submit)
    assert asyncio.run(spawner.submit_batch_script()) == "42"
    assert spawner.orm_spawner.state["job_id"] == "42" and spawner.db.commits == 1
