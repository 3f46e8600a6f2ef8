"""plugins/filter/lock_selection.py: the role's lock of the host's Python."""

import pytest
from _filters import load_filter
from ansible.errors import AnsibleFilterError

selection = load_filter("lock_selection")


@pytest.mark.parametrize("path, python, expected", [
    ("locks/hub-pam.lock", "3.11", "locks/hub-pam.cp311.lock"),
    ("locks/hub-pam.lock", "3.13.5", "locks/hub-pam.cp313.lock"),
    ("locks/notebook.lock", "3.12.1", "locks/notebook.cp312.lock"),
    # Already a target's lock, a site's lock, another file, no version: as given.
    ("locks/notebook.cp311.lock", "3.13.5", "locks/notebook.cp311.lock"),
    ("/site/inventory/files/hub.lock", "3.13.5", "/site/inventory/files/hub.lock"),
    ("files/notebook.lock", "3.13.5", "files/notebook.lock"),
    ("locks/sub/x.lock", "3.13", "locks/sub/x.lock"),
    ("locks/env.yml", "3.13", "locks/env.yml"),
    ("", "3.13", ""),
    ("locks/uv.lock", "", "locks/uv.lock"),
    (None, None, ""),
])
def test_lock_for_python(path, python, expected):
    assert selection.lock_for_python(path, python) == expected


def test_lock_for_python_refuses_what_is_no_version():
    with pytest.raises(AnsibleFilterError, match="^lock_for_python: not a Python version: 'latest'"):
        selection.lock_for_python("locks/uv.lock", "latest")
