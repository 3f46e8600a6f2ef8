"""Make the bundle's own modules and module_utils importable in unit tests.

ansible.cfg points Ansible at plugins/modules and plugins/module_utils; for
pytest we do the same by hand: module_utils files become importable as
``ansible.module_utils.<name>`` (as the modules import them) and module
files become importable by their bare name.
"""

import os
import sys

import ansible.module_utils

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MODULE_UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
MODULES = os.path.join(ROOT, 'plugins', 'modules')

if MODULE_UTILS not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(MODULE_UTILS)
if MODULES not in sys.path:
    sys.path.insert(0, MODULES)
