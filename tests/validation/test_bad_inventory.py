"""Bad inventories are rejected by the first play of site.yml, before any
host is touched.

Each file in cases/ breaks one thing. Its inventory is the sample inventory
(inventories/sample) with the case's `vars` merged over its group_vars (and
the variables named in `unset` removed), and the case's `hosts` replacing the
sample's hosts.yml when given. Every host of every inventory is pointed at
127.0.0.1 port 1, where nothing listens: a test that reached a host would see
it UNREACHABLE, and the tests never talk to anything but the loopback.

A case file holds:
  vars:     variables merged over the sample's group_vars (top-level keys)
  unset:    names of sample variables to remove (optional)
  hosts:    a YAML inventory replacing the sample's hosts.yml (optional)
  expect:   text (or list of texts) the output must contain
  problems: how many problems the validation must report (optional)

Each file in passing/ has the same keys: an inventory that must pass
validation and go on to its hosts, like the unmodified sample (the control);
its optional `expect` is text the output must contain all the same (a
deprecation warning).

The playbooks run concurrently (one ansible-playbook each) to keep the suite
fast; each test then checks its own run.
"""

from __future__ import annotations

import concurrent.futures
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "inventories" / "sample"
PLAYBOOK = "site.yml"
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"
CASES_DIR = pathlib.Path(__file__).resolve().parent / "cases"
CASES = sorted(CASES_DIR.glob("*.yml"))
PASSING_DIR = pathlib.Path(__file__).resolve().parent / "passing"
PASSING = sorted(PASSING_DIR.glob("*.yml"))
CONTROL = "unmodified-sample"

# Where every inventory host points: loopback, a port nothing listens on.
CONNECTION = {
    "ansible_host": "127.0.0.1",
    "ansible_port": 1,
    "ansible_connection": "ssh",
    "ansible_ssh_common_args": "-o ConnectTimeout=2",
}
RUN_TIMEOUT = 120
RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=\d+\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)")


def _load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _sample_vars():
    merged = {}
    for path in sorted((SAMPLE / "group_vars" / "all").glob("*.yml")):
        merged.update(_load_yaml(path) or {})
    return merged


def _point_at_loopback(group):
    """Sets CONNECTION on every host of a YAML inventory group, recursively."""
    if not isinstance(group, dict):
        return
    hosts = group.get("hosts")
    if isinstance(hosts, dict):
        for name in list(hosts):
            host_vars = hosts[name] if isinstance(hosts[name], dict) else {}
            host_vars.update(CONNECTION)
            hosts[name] = host_vars
    for child in (group.get("children") or {}).values():
        _point_at_loopback(child)


def _hosts_of(group):
    hosts = dict((group or {}).get("hosts") or {})
    for child in ((group or {}).get("children") or {}).values():
        hosts.update(_hosts_of(child))
    return hosts


def build_inventory(directory: pathlib.Path, case: dict) -> pathlib.Path:
    """Writes the case's inventory into `directory` and returns it."""
    case_vars = dict(case.get("vars") or {})
    bad = [k for k in case_vars if k.startswith("ansible_")]
    assert not bad, f"case vars must not set connection variables: {bad}"
    group_vars = _sample_vars()
    for name in case.get("unset") or []:
        group_vars.pop(name, None)
    group_vars.update(case_vars)

    hosts = case.get("hosts") or _load_yaml(SAMPLE / "hosts.yml")
    _point_at_loopback(hosts.get("all"))
    for name, host_vars in _hosts_of(hosts.get("all")).items():
        assert host_vars["ansible_host"] == "127.0.0.1", name
        assert host_vars["ansible_port"] == 1, name

    (directory / "group_vars").mkdir(parents=True)
    (directory / "group_vars" / "all.yml").write_text(
        "---\n" + yaml.safe_dump(group_vars, sort_keys=False), encoding="utf-8")
    (directory / "hosts.yml").write_text(
        "---\n" + yaml.safe_dump(hosts, sort_keys=False), encoding="utf-8")
    return directory


def run_playbook(inventory: pathlib.Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_FORCE_COLOR="0",
        # Keep the fact cache of the runs away from the repository's.
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(inventory / ".facts"),
    )
    return subprocess.run(
        [str(ANSIBLE_PLAYBOOK), PLAYBOOK, "-i", str(inventory)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=RUN_TIMEOUT, check=False)


def recap(output: str) -> dict:
    """{host: {"ok": n, "unreachable": n, "failed": n}} of the PLAY RECAP."""
    lines = output.split("PLAY RECAP", 1)[1].splitlines()[1:] if "PLAY RECAP" in output else []
    hosts = {}
    for line in lines:
        if not line.strip():
            break
        match = RECAP_LINE.match(line)
        assert match, f"unexpected line in PLAY RECAP: {line!r}"
        hosts[match["host"]] = {k: int(match[k]) for k in ("ok", "unreachable", "failed")}
    return hosts


def normalized(text: str) -> str:
    """Output with JSON escapes undone and all whitespace runs made one space."""
    text = text.replace('\\"', '"').replace("\\n", "\n")
    return " ".join(text.split())


def _case_id(path: pathlib.Path) -> str:
    return path.stem


def _selected_runs(session) -> set:
    names = set()
    for item in session.items:
        if pathlib.Path(str(item.fspath)).resolve() != pathlib.Path(__file__).resolve():
            continue
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "case_file" in callspec.params:
            names.add(_case_id(callspec.params["case_file"]))
        elif callspec is not None and "passing_file" in callspec.params:
            names.add(_case_id(callspec.params["passing_file"]))
        elif item.originalname == "test_unmodified_sample_passes_and_reaches_the_hosts":
            names.add(CONTROL)
    return names


@pytest.fixture(scope="session")
def runs(request, tmp_path_factory):
    """Runs the selected cases' playbooks concurrently: {name: Future}."""
    if not ANSIBLE_PLAYBOOK.exists():
        pytest.skip(f"{ANSIBLE_PLAYBOOK} is missing: create the venv from requirements.txt")
    if shutil.which("ssh") is None:
        pytest.skip("the ssh client is needed to show that hosts are (not) reached")
    wanted = _selected_runs(request.session)
    jobs = {}
    for path in CASES + PASSING:
        if _case_id(path) in wanted:
            jobs[_case_id(path)] = build_inventory(
                tmp_path_factory.mktemp(_case_id(path)), _load_yaml(path) or {})
    if CONTROL in wanted:
        jobs[CONTROL] = build_inventory(tmp_path_factory.mktemp(CONTROL), {})
    workers = max(2, min(8, 2 * (os.cpu_count() or 1)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(run_playbook, inv) for name, inv in jobs.items()}
        yield futures


def _report(result: subprocess.CompletedProcess) -> str:
    return f"exit code {result.returncode}; output:\n{result.stdout}"


def test_there_are_enough_cases():
    assert len(CASES) >= 18
    assert len(PASSING) >= 1


@pytest.mark.parametrize("case_file", CASES, ids=_case_id)
def test_bad_inventory_is_rejected_before_any_host(case_file, runs):
    case = _load_yaml(case_file) or {}
    expected = case.get("expect")
    assert expected, f"{case_file.name} has no `expect`"
    expected = [expected] if isinstance(expected, str) else list(expected)

    result = runs[_case_id(case_file)].result()
    output = normalized(result.stdout)

    assert result.returncode != 0, _report(result)
    for text in expected:
        assert normalized(text) in output, f"missing {text!r}; {_report(result)}"
    if "problems" in case:
        count = f"The inventory has {case['problems']} problem(s)"
        assert count in output, f"missing {count!r}; {_report(result)}"
    hosts = recap(result.stdout)
    assert list(hosts) == ["localhost"], _report(result)
    assert hosts["localhost"]["failed"] == 1, _report(result)
    assert "UNREACHABLE" not in result.stdout, _report(result)


def _assert_passes_and_reaches_the_hosts(result):
    hosts = recap(result.stdout)
    sample_hosts = {"head1", "login1", "node001", "node002", "node003", "node004"}

    assert "ok: [localhost]" in result.stdout, _report(result)
    assert hosts.get("localhost") == {"ok": hosts["localhost"]["ok"], "unreachable": 0,
                                      "failed": 0}, _report(result)
    assert hosts["localhost"]["ok"] >= 2, _report(result)
    assert set(hosts) == sample_hosts | {"localhost"}, _report(result)
    for host in sample_hosts:
        assert hosts[host]["unreachable"] == 1, _report(result)
    assert "UNREACHABLE" in result.stdout, _report(result)
    assert "127.0.0.1 port 1" in result.stdout, _report(result)
    assert result.returncode != 0, _report(result)


def test_unmodified_sample_passes_and_reaches_the_hosts(runs):
    """The control: with nothing broken, validation passes and the run goes
    on to the inventory's hosts, which are unreachable (so the negative cases
    would have seen them had validation let them through)."""
    _assert_passes_and_reaches_the_hosts(runs[CONTROL].result())


@pytest.mark.parametrize("passing_file", PASSING, ids=_case_id)
def test_good_inventory_passes_and_reaches_the_hosts(passing_file, runs):
    """Inventories that must deploy as they are (passing/*.yml)."""
    case = _load_yaml(passing_file) or {}
    result = runs[_case_id(passing_file)].result()
    _assert_passes_and_reaches_the_hosts(result)
    expected = case.get("expect") or []
    for text in [expected] if isinstance(expected, str) else expected:
        assert normalized(text) in normalized(result.stdout), f"missing {text!r}; {_report(result)}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
