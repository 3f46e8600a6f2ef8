"""Exact messages of plugins/filter/munge_validation.py."""

import pytest
from _filters import load_filter

munge = load_filter("munge_validation")


@pytest.mark.parametrize("settings, expected", [
    ({"key": "", "key_size": 1024}, []),
    ({"key": "k" * 32, "key_size": 1024}, []),
    ({"key": "short-key", "key_size": 1024},
     ["munge_key is 9 characters long; munge needs at least 32 (or leave it empty to have one generated)."]),
    ({"key": "", "key_size": 16}, ["munge_key_size is 16; it must be between 32 and 1024."]),
    ({"key": "", "key_size": "2048"}, ["munge_key_size is 2048; it must be between 32 and 1024."]),
    ({"key": "", "key_size": True}, ["munge_key_size is True; it must be between 32 and 1024."]),
    ({"key": "abc", "key_size": "x"},
     ["munge_key is 3 characters long; munge needs at least 32 (or leave it empty to have one generated).",
      "munge_key_size is x; it must be between 32 and 1024."]),
])
def test_munge_errors(settings, expected):
    assert munge.munge_errors(settings) == expected


def test_filter_is_registered():
    assert munge.FilterModule().filters() == {"munge_errors": munge.munge_errors}
