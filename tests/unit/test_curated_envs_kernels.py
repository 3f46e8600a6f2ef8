"""The kernel.json of a curated environment's system-wide kernel
(plugins/filter/curated_envs_kernels.py, roles/curated_envs/tasks/kernels.yml)."""

import pytest
from _filters import load_filter

kernels = load_filter("curated_envs_kernels")

ARGV = ["/bin/sh", "-c", 'exec "$(readlink -f /opt/software/envs/notebook)/bin/python" -m ipykernel_launcher -f "$1"',
        "kernel", "{connection_file}"]


def test_the_default_name_is_filled_in_by_the_server_and_named_without_the_version_for_other_clients():
    spec = kernels.curated_env_kernel_spec({"name": "notebook", "kind": "venv"}, "/opt/software/envs")
    assert spec == {
        "argv": ARGV, "display_name": "notebook (Python 3)", "language": "python",
        "metadata": {"debugger": True, "hpc_datasci": {"env": "/opt/software/envs/notebook",
                                                       "display_name": "{name} {version} (Python {python})"}},
    }


def test_a_name_without_fields_gives_the_kernel_json_of_before():
    env = {"name": "notebook", "kind": "venv", "kernel": {"display_name": "Python 3 (site notebook)"}}
    assert kernels.curated_env_kernel_spec(env, "/opt/software/envs") == {
        "argv": ARGV, "display_name": "Python 3 (site notebook)", "language": "python",
        "metadata": {"debugger": True},
    }


@pytest.mark.parametrize("template, expected", [
    ("{name} {version} (Python {python})", "geo (Python 3)"),
    ("Python {python} ({name} {version})", "Python 3 (geo)"),
    ("{name} ({version})", "geo"),
    # Unknown fields or braces that are not fields: the text as it is, not filled in by the server.
    ("{name} {release}", "{name} {release}"),
    ("Python {", "Python {"),
])
def test_static_display_name(template, expected):
    assert kernels.static_display_name(template, "geo") == expected


def test_unknown_fields_are_not_handed_to_the_server():
    env = {"name": "geo", "kind": "conda", "kernel": {"display_name": "{name} {release}"}}
    assert "hpc_datasci" not in kernels.curated_env_kernel_spec(env, "/envs")["metadata"]
