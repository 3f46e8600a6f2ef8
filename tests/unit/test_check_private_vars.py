"""Unit tests of scripts/check_private_vars.py (part of `make lint`): a
file outside roles/<role>/ that reads one of the role's `__`-variables
fails the check; the role's own files and public outputs pass."""

import pathlib

import pytest
from _modules import load_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
check = load_file("check_private_vars", ROOT / "scripts" / "check_private_vars.py")


def _tree(tmp_path, files):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


# Two roles: slurm with a prefixed internal and one without the full prefix,
# hub with its own internal and a public output.
ROLES = {
    "roles/slurm/vars/main.yml": "__slurm_policy: 1\n__policy_result: 2\nslurm_effective_policy: 3\n",
    "roles/slurm/tasks/main.yml": "- debug: {msg: '{{ __slurm_policy }} {{ __policy_result }}'}\n",
    "roles/hub/vars/main.yml": "__hub_url: x\nhub_api_url: '{{ __hub_url }}'\n",
}


def test_the_repository_passes():
    assert check.violations(ROOT) == []


def test_own_files_and_public_outputs_pass(tmp_path):
    root = _tree(tmp_path, dict(ROLES, **{
        "playbooks/site.yml": "- vars: {a: '{{ slurm_effective_policy }}', b: '{{ hub_api_url }}'}\n",
        "playbooks/local.yml": "- vars: {__summary: 1, b: '{{ __summary }}'}\n",
    }))
    assert check.violations(root) == []


@pytest.mark.parametrize("rel", [
    "playbooks/validate.yml",
    "roles/hub/tasks/validate.yml",
    "roles/hub/templates/conf.j2",
    "inventories/sample/group_vars/all/x.yml",
    "tests/scaffolding/users.yml",
    "molecule/default/converge.yml",
])
def test_a_prefixed_internal_read_elsewhere_fails(tmp_path, rel):
    root = _tree(tmp_path, dict(ROLES, **{rel: "x: '{{ __slurm_policy }}'\n"}))
    assert check.violations(root) == [
        f"{rel}:1: __slurm_policy is private to the role slurm; use its public output"]


def test_an_internal_without_the_full_prefix_is_still_its_roles(tmp_path):
    root = _tree(tmp_path, dict(ROLES, **{"roles/hub/tasks/main.yml": "\n\nx: '{{ __policy_result }}'\n"}))
    assert check.violations(root) == [
        "roles/hub/tasks/main.yml:3: __policy_result is private to the role slurm; use its public output"]


def test_a_prefixed_name_of_a_role_is_private_even_where_the_role_never_uses_it(tmp_path):
    root = _tree(tmp_path, dict(ROLES, **{"playbooks/x.yml": "x: '{{ __hub_other }}'\n"}))
    assert check.violations(root) == [
        "playbooks/x.yml:1: __hub_other is private to the role hub; use its public output"]


def test_unit_tests_and_allowed_names_pass(tmp_path):
    root = _tree(tmp_path, dict(ROLES, **{
        "tests/unit/fixtures/render.yml": "x: '{{ __hub_url }}'\n",
        "inventories/old/group_vars/all.yml": "GrpTRES: 'cpu={{ __slurm_short_share_cpus }}'\n",
    }))
    assert check.violations(root) == []


def test_main_reports_and_fails(tmp_path, capsys):
    root = _tree(tmp_path, dict(ROLES, **{"playbooks/x.yml": "x: '{{ __hub_url }}'\n"}))
    assert check.main([str(root)]) == 1
    err = capsys.readouterr().err
    assert "playbooks/x.yml:1: __hub_url is private to the role hub" in err
    assert "1 read(s) of another role's private variables" in err
    assert check.main([str(_tree(tmp_path / "clean", ROLES))]) == 0
