"""The lock reader (plugins/module_utils/requirements_lock.py) and the lock
tool (scripts/lock.py), without the network."""

import pathlib

import pytest
from _lock_tool import lock_tool
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import (
    canonical_name,
    inputs_digest,
    lock_name,
    parse_lock,
    python_tag,
)

TEXT = """\
# Lock of hub-pam.in: every package pinned, with the sha256 of its files.
# python: 3.11
# platform: x86_64-manylinux_2_28
# inputs-sha256: 0123
--index-url https://pypi.example.org/simple
dask-gateway-server[jobqueue]==2026.3.0 \\
    --hash=sha256:11 \\
    --hash=sha256:22
    # via -r gateway.in
pywin32==311 ; sys_platform == "win32" --hash=sha256:33
Typing_Extensions==4.16.0 --hash sha256:44  # a comment
tornado>=6
https://example.org/pkg.whl#sha256=55
"""


def test_parse_lock_reads_pins_hashes_and_header():
    lock = parse_lock(TEXT)
    assert {name: (pin.name, pin.version, pin.hashes) for name, pin in lock.pins.items()} == {
        "dask-gateway-server": ("dask-gateway-server", "2026.3.0", ["sha256:11", "sha256:22"]),
        "pywin32": ("pywin32", "311", ["sha256:33"]),
        "typing-extensions": ("Typing_Extensions", "4.16.0", ["sha256:44"]),
    }
    assert lock.unpinned == ["tornado>=6", "https://example.org/pkg.whl#sha256=55"]
    assert lock.header == {"python": "3.11", "platform": "x86_64-manylinux_2_28", "inputs-sha256": "0123"}
    assert lock.unhashed() == []


def test_parse_lock_lists_pins_without_hashes_in_order():
    assert parse_lock("b==1\na==2 --hash=sha256:1\nc==3\n").unhashed() == ["b==1", "c==3"]


def test_parse_lock_of_nothing():
    lock = parse_lock(None)
    assert (lock.pins, lock.unpinned, lock.header) == ({}, [], {})


@pytest.mark.parametrize("name, canonical", [
    ("Jupyterhub_Idle.Culler", "jupyterhub-idle-culler"), ("dask-gateway", "dask-gateway"), ("PyYAML", "pyyaml"),
])
def test_canonical_name(name, canonical):
    assert canonical_name(name) == canonical


def test_inputs_digest_changes_with_every_part():
    base = inputs_digest(["a==1\n"], "3.11", "x86_64-manylinux_2_28")
    assert base == inputs_digest(["a==1\n"], "3.11", "x86_64-manylinux_2_28")
    assert len({base,
                inputs_digest(["a==2\n"], "3.11", "x86_64-manylinux_2_28"),
                inputs_digest(["a==1\n"], "3.12", "x86_64-manylinux_2_28"),
                inputs_digest(["a==1\n"], "3.11", "aarch64-manylinux_2_28"),
                inputs_digest(["a==1", "\n"], "3.11", "x86_64-manylinux_2_28")}) == 5


@pytest.fixture
def inputs(tmp_path):
    (tmp_path / "base.in").write_text("jupyterhub==5.5.4\n", encoding="utf-8")
    (tmp_path / "ldap.in").write_text("-r base.in\n-r base.in\njupyterhub-ldapauthenticator==2.0.2\n",
                                      encoding="utf-8")
    return tmp_path


def test_input_files_follow_includes_once(inputs):
    assert [p.name for p in lock_tool.input_files(inputs / "ldap.in")] == ["ldap.in", "base.in"]


def test_digest_covers_included_inputs(inputs):
    before = lock_tool.digest_of(inputs / "ldap.in", "3.11", "x86_64-manylinux_2_28")
    (inputs / "base.in").write_text("jupyterhub==5.6.0\n", encoding="utf-8")
    assert lock_tool.digest_of(inputs / "ldap.in", "3.11", "x86_64-manylinux_2_28") != before


def test_header_is_read_back_by_the_parser(inputs):
    text = lock_tool.header(inputs / "ldap.in", "3.12", "aarch64-manylinux_2_28", "scripts/lock.py ldap.in")
    assert text.startswith("# Lock of ldap.in: every package pinned")
    assert "Made by `scripts/lock.py ldap.in`" in text
    assert parse_lock(text).header == {
        "python": "3.12", "platform": "aarch64-manylinux_2_28",
        "inputs-sha256": lock_tool.digest_of(inputs / "ldap.in", "3.12", "aarch64-manylinux_2_28")}


def test_uv_command_locks_with_hashes_for_the_target():
    assert lock_tool.uv_command("uv", "hub.in", pathlib.Path("/t/d.lock"), "3.11", "x86_64-manylinux_2_28", True) == [
        "uv", "pip", "compile", "--quiet", "--no-header", "--generate-hashes", "--python-version", "3.11",
        "--python-platform", "x86_64-manylinux_2_28", "--output-file", "/t/d.lock", "hub.in", "--upgrade"]


def test_role_inputs_are_the_roles_lock_inputs():
    names = [f"{p.parts[-4]}/{p.name}" for p in lock_tool.role_inputs()]
    assert names == ["curated_envs/notebook.in", "curated_envs/uv.in", "dask_gateway/gateway.in",
                     "jupyterhub/hub-ldap.in", "jupyterhub/hub-oauth.in", "jupyterhub/hub-pam.in"]


@pytest.mark.parametrize("version, tag", [("3.11", "cp311"), ("3.13.5", "cp313"), (" 3.10 ", "cp310")])
def test_python_tag_and_lock_name(version, tag):
    assert python_tag(version) == tag
    assert lock_name("hub-pam", version) == f"hub-pam.{tag}.lock"


@pytest.mark.parametrize("version", ["3", "", "three.eleven", None])
def test_python_tag_refuses_what_is_no_version(version):
    with pytest.raises(ValueError, match="not a Python version"):
        python_tag(version)


def test_output_needs_one_input_and_one_target():
    with pytest.raises(SystemExit):
        lock_tool.parse_args(["a.in", "b.in", "--output", "x.lock", "--python-version", "3.12"])
    with pytest.raises(SystemExit):
        lock_tool.parse_args(["a.in", "--output", "x.lock"])
    args = lock_tool.parse_args(["a.in", "-o", "x.lock", "--python-version", "3.12"])
    assert (args.output, args.python_version, args.platform) == (pathlib.Path("x.lock"), "3.12", "x86_64-manylinux_2_28")
    assert lock_tool.targets(args) == ("3.12",)


def test_every_target_by_default():
    assert lock_tool.targets(lock_tool.parse_args([])) == ("3.11", "3.13")
    assert lock_tool.targets(lock_tool.parse_args(["a.in", "--python-version", "3.13"])) == ("3.13",)


def test_target_output_is_beside_the_input_named_for_the_python():
    assert lock_tool.target_output(pathlib.Path("/r/locks/hub-pam.in"), "3.13") == pathlib.Path(
        "/r/locks/hub-pam.cp313.lock")


def test_a_new_target_prefers_the_pins_of_another_targets_lock(inputs):
    source = inputs / "ldap.in"
    new = lock_tool.target_output(source, "3.13")
    assert lock_tool.preferences(source, new) is None
    (inputs / "ldap.cp311.lock").write_text("jupyterhub==5.5.4\n", encoding="utf-8")
    assert lock_tool.preferences(source, new) == inputs / "ldap.cp311.lock"
    new.write_text("jupyterhub==5.5.4\n", encoding="utf-8")
    assert lock_tool.preferences(source, new) == new
