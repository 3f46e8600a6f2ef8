"""Every entry point of a role that a playbook, a test or another role
includes with `tasks_from` has an argument spec in the role's
meta/argument_specs.yml (and so a line in its README)."""

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
INCLUDES = ("ansible.builtin.include_role", "ansible.builtin.import_role")
# Being merged into one control-side lock check; it gets no spec of its own.
EXCEPT = {"validate_lock"}


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def entry_points_used():
    """{(role, entry point): first file that includes it} of every literal include."""
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
                name = str(args.get("name", ""))
                if "{{" in name or not name.startswith("hpc.datasci."):
                    continue
                used.setdefault((name.split(".")[-1], args["tasks_from"]), path.relative_to(ROOT).as_posix())
    return used


def test_the_includes_are_found():
    used = entry_points_used()
    assert ("slurm", "validate") in used
    assert ("jupyterhub", "wiring") in used
    assert ("curated_envs", "rollback") in used


def test_every_entry_point_used_has_an_argument_spec():
    missing = []
    for (role, entry), where in sorted(entry_points_used().items()):
        if entry in EXCEPT:
            continue
        specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
        if entry not in (specs.get("argument_specs") or {}):
            missing.append(f"{role}:{entry} (included by {where})")
    assert missing == []
