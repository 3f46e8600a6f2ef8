"""Exact messages of plugins/filter/curated_envs_validation.py."""

import pytest
from _filters import load_filter

envs = load_filter("curated_envs_validation")

GOOD = {"name": "notebook", "kind": "venv", "packages": ["ipykernel"]}


def _settings(env_list, keep=3, default="notebook"):
    return {"envs": env_list, "keep": keep, "default": default}


@pytest.mark.parametrize("settings, expected", [
    (_settings([GOOD]), []),
    (_settings([GOOD, {"name": "tools", "kind": "conda", "spec_file": "files/tools.yml"}]), []),
    (_settings([{"name": "Bad Name", "kind": "venv", "packages": []}], default=""),
     ['curated_envs_list[0] (Bad Name): name must be lowercase letters, digits, "_" or "."']),
    (_settings([GOOD, {"name": "notebook", "kind": "pip", "packages": ["dask"]}]),
     ["curated_envs_list[1] (notebook): kind must be venv or conda",
      "curated_envs_list: the name notebook is used more than once"]),
    (_settings([{"name": "notebook", "kind": "venv", "packages": [], "spec_file": "x.yml"}], default="analysis"),
     ["curated_envs_list[0] (notebook): give exactly one of packages (a list) or spec_file (a file on the control"
      " machine)",
      "curated_envs_default (analysis) is not in curated_envs_list"]),
    (_settings([{"name": "notebook", "kind": "venv"}]),
     ["curated_envs_list[0] (notebook): give exactly one of packages (a list) or spec_file (a file on the control"
      " machine)"]),
    (_settings([dict(GOOD, channels=["x"])]), ["curated_envs_list[0] (notebook): unknown key channels"]),
    (_settings(["notebook"], default=""),
     ["curated_envs_list[0]: must be a dict with name, kind and packages or spec_file"]),
    (_settings({"notebook": GOOD}),
     ["curated_envs_list must be a list of environments (name, kind, packages or spec_file)"]),
    (_settings([GOOD], keep=1), ["curated_envs_keep must be at least 2 (the live version and the previous one)"]),
    (_settings([GOOD], keep="two"), ["curated_envs_keep must be at least 2 (the live version and the previous one)"]),
    (_settings([], default=""), []),
])
def test_curated_envs_errors(settings, expected):
    assert envs.curated_envs_errors(settings) == expected
