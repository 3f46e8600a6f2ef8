"""Every entry point of a role that a playbook, a test or another role
includes with `tasks_from` has an argument spec in the role's
meta/argument_specs.yml (and so a line in its README)."""

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
INCLUDES = ("ansible.builtin.include_role", "ansible.builtin.import_role")


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _role_names(node, name):
    """The role names an include names: itself, or with `{{ item }}` each
    item of a literal loop (playbooks/validate.yml's validate_lock)."""
    if "{{" not in name:
        return [name]
    loop = node.get("loop")
    if "{{ item }}" in name and isinstance(loop, list) and all(isinstance(i, str) for i in loop):
        return [name.replace("{{ item }}", item) for item in loop]
    return []


def entry_points_used():
    """{(role, entry point): first file that includes it} of every literal
    include, and of each role of a literal loop."""
    used = {}
    files = [ROOT / "site.yml"] + [p for d in ("playbooks", "roles", "tests", "molecule")
                                   for p in sorted((ROOT / d).rglob("*.yml"))]
    for path in files:
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
        for node in _walk(documents):
            for key in INCLUDES:
                args = node.get(key)
                if not isinstance(args, dict) or "tasks_from" not in args:
                    continue
                for name in _role_names(node, str(args.get("name", ""))):
                    if name.startswith("hpc.datasci."):
                        used.setdefault((name.split(".")[-1], args["tasks_from"]), path.relative_to(ROOT).as_posix())
    return used


def test_the_includes_are_found():
    used = entry_points_used()
    assert ("slurm", "validate") in used
    assert ("jupyterhub", "wiring") in used
    assert ("curated_envs", "rollback") in used
    # Included in a loop over the roles.
    assert {("jupyterhub", "validate_lock"), ("dask_gateway", "validate_lock"),
            ("curated_envs", "validate_lock")} <= set(used)


def test_every_entry_point_used_has_an_argument_spec():
    missing = []
    for (role, entry), where in sorted(entry_points_used().items()):
        specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        if entry not in (specs.get("argument_specs") or {}):
            missing.append(f"{role}:{entry} (included by {where})")
    assert missing == []
