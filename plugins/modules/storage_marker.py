#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: storage_marker
short_description: Write, look for and remove a marker file that proves a directory is shared
description:
  - The probe behind the shared-storage check of the bundle. One host writes a marker with
    a random name (O(state=present)), every other host looks for it (O(state=query)), and
    the writer removes it again (O(state=absent)), so the probe leaves no trace.
  - For each of O(paths), the marker goes into the deepest existing real directory of the
    path (the path itself when it is a directory and not a symlink, else its nearest
    ancestor that is), for example C(/opt/software) for
    C(/opt/software/miniforge3) (a symlink to the installed version) or C(/opt) when
    C(/opt/software) does not exist yet.
  - A marker that cannot be written is reported in the entry's C(error); the module does
    not fail, so the caller decides what a read-only or root-squashed directory means.
version_added: "1.2.0"
author:
  - HPC data-science bundle maintainers
options:
  state:
    description:
      - V(present) writes a marker for each of O(paths), V(query) looks for each of
        O(markers), V(absent) removes each of O(markers).
    type: str
    choices: [present, query, absent]
    default: query
  paths:
    description:
      - With O(state=present), the absolute paths whose storage is probed.
    type: list
    elements: path
    default: []
  markers:
    description:
      - With O(state=query) or O(state=absent), the absolute paths of the markers (as
        returned by O(state=present)).
    type: list
    elements: path
    default: []
  wait:
    description:
      - With O(state=query), seconds to keep looking for a marker that is not there yet (a
        network file system may show a new file only after its attribute cache expires).
    type: float
    default: 5
attributes:
  check_mode:
    description: Reports what it would write or remove and writes nothing. The bundle runs
      the probe with C(check_mode=false), since the probe itself leaves no trace.
    support: full
  diff_mode:
    description: No diff.
    support: none
'''

EXAMPLES = r'''
- name: Write a marker where Miniforge will be installed
  hpc.datasci.storage_marker:
    state: present
    paths: [/opt/software/miniforge3]
  register: written

- name: Look for it on another host
  hpc.datasci.storage_marker:
    state: query
    markers: "{{ written.markers | map(attribute='marker') | list }}"

- name: Remove it
  hpc.datasci.storage_marker:
    state: absent
    markers: "{{ written.markers | map(attribute='marker') | list }}"
'''

RETURN = r'''
markers:
  description: With O(state=present), one entry per path.
  returned: state is present
  type: list
  elements: dict
  contains:
    path: {description: The path given, type: str}
    dir: {description: The directory the marker went into, type: str}
    marker: {description: The marker's path; empty when it could not be written, type: str}
    error: {description: Why the marker could not be written; empty otherwise, type: str}
seen:
  description: With O(state=query), whether each marker was found.
  returned: state is query
  type: dict
removed:
  description: With O(state=absent), the markers that were removed.
  returned: state is absent
  type: list
  elements: str
'''

import os
import secrets
import socket
import time

from ansible.module_utils.basic import AnsibleModule

PREFIX = '.hpc-datasci-storage-probe-'
TEXT = ('Written by {host} for the shared-storage check of hpc.datasci (playbooks/storage_check.yml);'
        ' removed at the end of the check. Safe to delete.\n')
POLL = 0.25


def marker_dir(path):
    """The deepest existing real directory of `path`: the path itself when it
    is a directory and not a symlink, else its nearest such ancestor."""
    current = os.path.normpath(path)
    while True:
        if os.path.isdir(current) and not os.path.islink(current):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return current
        current = parent


def write_markers(paths, name, host, check_mode=False):
    """One marker named `name` per distinct directory of `paths`."""
    entries = []
    done = {}
    for path in paths:
        directory = marker_dir(path)
        if directory not in done:
            done[directory] = _write(os.path.join(directory, name), host, check_mode)
        marker, error = done[directory]
        entries.append({'path': path, 'dir': directory, 'marker': marker, 'error': error})
    return entries


def _write(marker, host, check_mode):
    if check_mode:
        return marker, ''
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError as exc:
        return '', exc.strerror or str(exc)
    with os.fdopen(fd, 'w') as handle:
        handle.write(TEXT.format(host=host))
    return marker, ''


def look_for(markers, wait, clock=time.monotonic, sleep=time.sleep):
    """{marker: found}, looking again until all are found or `wait` seconds passed."""
    deadline = clock() + max(0.0, wait)
    seen = dict((marker, os.path.exists(marker)) for marker in markers)
    while not all(seen.values()) and clock() < deadline:
        sleep(POLL)
        for marker in markers:
            if not seen[marker]:
                seen[marker] = os.path.exists(marker)
    return seen


def remove_markers(markers, check_mode=False):
    """Removes the markers that exist; returns those removed. Only files named
    like a marker are touched."""
    removed = []
    for marker in markers:
        if not os.path.basename(marker).startswith(PREFIX) or not os.path.lexists(marker):
            continue
        if not check_mode:
            os.unlink(marker)
        removed.append(marker)
    return removed


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'query', 'absent'], default='query'),
            paths=dict(type='list', elements='path', default=[]),
            markers=dict(type='list', elements='path', default=[]),
            wait=dict(type='float', default=5.0),
        ),
        supports_check_mode=True,
    )
    state = module.params['state']
    relative = [p for p in module.params['paths'] + module.params['markers'] if not os.path.isabs(p)]
    if relative:
        module.fail_json(msg='paths and markers must be absolute: %s' % ', '.join(relative))

    if state == 'present':
        name = PREFIX + secrets.token_hex(8)
        entries = write_markers(module.params['paths'], name, socket.gethostname(), module.check_mode)
        module.exit_json(changed=any(e['marker'] for e in entries), markers=entries)
    if state == 'query':
        module.exit_json(changed=False, seen=look_for(module.params['markers'], module.params['wait']))
    try:
        removed = remove_markers(module.params['markers'], module.check_mode)
    except OSError as exc:
        module.fail_json(msg='cannot remove a marker: %s' % exc)
    module.exit_json(changed=bool(removed), removed=removed)


if __name__ == '__main__':
    main()
