"""Make the collection hpc.datasci importable in unit tests.

collections/ansible_collections/hpc/datasci is a link to this checkout, so
with collections/ on sys.path the plugins import one another exactly as
Ansible loads them (``ansible_collections.hpc.datasci.plugins...``). Module
files are also importable by their bare name, as the tests import them.
"""

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
COLLECTIONS = os.path.join(ROOT, 'collections')
MODULES = os.path.join(ROOT, 'plugins', 'modules')

for path in (COLLECTIONS, MODULES):
    if path not in sys.path:
        sys.path.insert(0, path)
