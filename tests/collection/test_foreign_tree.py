"""The collection as a center uses it: built with ``ansible-galaxy
collection build``, installed from the tarball into an empty collections
path, and called by FQCN from a center's own playbook tree that has no
ansible.cfg of ours.

The center's playbook uses two roles (the Slurm and munge checks), a module
(atomic_symlink, for real, on a temporary directory) and the collection's
own validation playbook. A bad inventory is refused through the installed
copy, so the test would fail if validation did not run from it.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tarfile
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent

HOSTS = textwrap.dedent("""\
    all:
      vars:
        ansible_host: 127.0.0.1
        ansible_port: 1
      children:
        slurm_controller: {hosts: {head01: {}}}
        slurm_dbd: {hosts: {head01: {}}}
        slurm_compute: {hosts: {node001: {}, node002: {}}}
        login: {hosts: {gate01: {}}}
    """)

GROUP_VARS = textwrap.dedent("""\
    slurm_cluster_name: orion
    slurm_accounts:
      - name: physics
        users: [ada]
        qos: [normal, interactive, burst]
        default_qos: normal
    """)

PLAYBOOK = textwrap.dedent("""\
    - name: The collection's own first play
      ansible.builtin.import_playbook: hpc.datasci.validate

    - name: A center's own play using the collection by FQCN
      hosts: localhost
      connection: local
      gather_facts: false
      tasks:
        - name: Check the Slurm settings with the collection's role
          ansible.builtin.include_role:
            name: hpc.datasci.slurm
            tasks_from: validate
        - name: Check the munge settings with the collection's role
          ansible.builtin.include_role:
            name: hpc.datasci.munge
            tasks_from: validate
        - name: Point a link at a release with the collection's module
          hpc.datasci.atomic_symlink:
            path: "{{ link_dir }}/current"
            target: "{{ link_dir }}/release-1"
    """)


def _run(args, cwd, env, check=True):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{output[-6000:]}")
    return proc.returncode, output


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    """A center's tree with the collection installed from its tarball."""
    base = tmp_path_factory.mktemp("center")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(HOME=str(base / "home"), ANSIBLE_COLLECTIONS_PATH=str(base / "collections"),
               ANSIBLE_FORCE_COLOR="0", PATH=f"{BIN}:{env.get('PATH', '')}")
    (base / "home").mkdir()
    _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", base / "dist", str(ROOT)], ROOT, env)
    tarballs = list((base / "dist").glob("hpc-datasci-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    _run([BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", base / "collections", tarballs[0]],
         base, env)
    tree = base / "site"
    (tree / "inventory" / "group_vars" / "all").mkdir(parents=True)
    (tree / "inventory" / "hosts.yml").write_text(HOSTS)
    (tree / "inventory" / "group_vars" / "all" / "main.yml").write_text(GROUP_VARS)
    (tree / "center.yml").write_text(PLAYBOOK)
    (base / "links" / "release-1").mkdir(parents=True)
    return {"base": base, "tree": tree, "env": env, "tarball": tarballs[0]}


def test_the_collection_is_installed_from_the_tarball_not_the_checkout(center):
    installed = center["base"] / "collections" / "ansible_collections" / "hpc" / "datasci"
    assert (installed / "MANIFEST.json").is_file()
    assert not installed.is_symlink()
    for part in ("roles/slurm/tasks/validate.yml", "plugins/modules/atomic_symlink.py",
                 "plugins/module_utils/slurm_vocab.py", "playbooks/validate.yml"):
        assert (installed / part).is_file(), part
    for dev_only in ("ansible.cfg", "Makefile", "collections", ".venv", "tests", "molecule", ".config"):
        assert not (installed / dev_only).exists(), dev_only


def test_the_container_site_of_the_demo_and_the_tests_is_not_shipped(center):
    """roles/container_site is a fixture of the demo and the tests, and
    community.docker (which it needs) no dependency of the collection."""
    with tarfile.open(center["tarball"]) as tarball:
        names = tarball.getnames()
        manifest = json.load(tarball.extractfile("MANIFEST.json"))
    assert "roles/slurm/tasks/validate.yml" in names
    assert [name for name in names if name.startswith(("roles/container_site", "playbooks/container_site"))] == []
    assert "community.docker" not in manifest["collection_info"]["dependencies"], manifest["collection_info"]


def test_no_ansible_cfg_of_ours_is_read(center):
    _, out = _run([BIN / "ansible-playbook", "--version"], center["tree"], center["env"])
    assert "config file = None" in out, out


def test_the_center_playbook_passes_syntax_check(center):
    _run([BIN / "ansible-playbook", "--syntax-check", "-i", "inventory", "center.yml"], center["tree"], center["env"])


def test_the_center_playbook_validates_and_uses_the_module(center):
    links = center["base"] / "links"
    code, out = _run([BIN / "ansible-playbook", "-i", "inventory", "center.yml", "-e", f"link_dir={links}"],
                     center["tree"], center["env"])
    print(out[-1500:])
    assert "localhost                  : ok=" in out and "failed=0" in out
    assert os.readlink(links / "current") == str(links / "release-1")


def test_a_bad_inventory_is_refused_through_the_installed_collection(center):
    code, out = _run([BIN / "ansible-playbook", "-i", "inventory", "center.yml",
                      "-e", "slurm_cluster_name=Not-A-Name", "-e", f"link_dir={center['base'] / 'links'}"],
                     center["tree"], center["env"], check=False)
    assert code != 0
    assert "slurm_cluster_name" in out
    assert "no host was changed" in out
