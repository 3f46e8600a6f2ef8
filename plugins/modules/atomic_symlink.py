#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: atomic_symlink
short_description: Point a symlink at a new target atomically
description:
  - Makes the symlink O(path) point at O(target), replacing an existing symlink in one
    atomic step, so that a process resolving O(path) at any moment sees either the old or
    the new target and never a missing path.
  - Meant for switching the stable name of a versioned software prefix, for example
    C(/opt/software/envs/default) from C(default-1d2e3f4a5b6c) to C(default-3f9a1c2b7e01),
    while jobs are starting from it.
  - A temporary symlink with a unique name (C(.<name>.tmp-<pid>-<random>)) is created in the
    directory of O(path) and renamed onto O(path) with the C(rename) system call. The link
    is never removed and re-created; the temporary link is removed again if anything fails.
  - If O(path) exists and is not a symlink (a real directory or file), the module fails and
    changes nothing; it never deletes data.
  - Idempotent; the link is only replaced when its current target (as C(readlink) prints it)
    differs from O(target).
version_added: "1.0.0"
author:
  - HPC data-science bundle maintainers
options:
  path:
    description:
      - Absolute path of the symlink to manage.
      - Its parent directory must exist.
    type: path
    required: true
  target:
    description:
      - What the link points to, stored verbatim (no expansion), as C(ln -s) would.
      - A relative target, like C(default-3f9a1c2b7e01), is relative to the directory of
        O(path); an absolute target is used as is.
      - Compared with the current link as a string, so C(/opt/a) and C(/opt/a/) differ.
      - A target that does not exist is allowed (with a warning) unless O(require) is set.
    type: str
    required: true
  previous:
    description:
      - Absolute path of a second symlink that records the old target, so the old version
        can be restored later (for example with O(path=.../default) and
        O(target) set to what C(.../previous) points at).
      - When the main link actually changes target, O(previous) is set, atomically as well,
        to the old target of O(path), before O(path) is switched.
      - Left untouched when O(path) did not exist before or already pointed at O(target).
      - A relative old target is kept as is when O(previous) is in the same directory as
        O(path); otherwise it is made absolute by joining it to the directory of O(path).
      - Like O(path), it must be a symlink or not exist, and must differ from O(path).
    type: path
  require:
    description:
      - Name of a file, relative to the (resolved) target directory, that must exist, for
        example C(.complete) written as the last step of building a prefix.
      - Checked on every run, before anything is changed; if the file is missing the task
        fails naming it and nothing is changed.
    type: str
  owner:
    description:
      - User name or numeric uid to own the link(s), applied with C(lchown) to the link
        itself (not to the target).
      - Applied to every link this module writes, and corrected on an existing O(path) that
        already points at O(target).
    type: str
  group:
    description:
      - Group name or numeric gid of the link(s), applied like O(owner).
    type: str
attributes:
  check_mode:
    description: Reports whether the link would change and the diff, without writing anything.
    support: full
  diff_mode:
    description: Returns the link's target (and owner/group when managed) before and after.
    support: full
  platform:
    description: Needs POSIX symlinks and an atomic C(rename) system call.
    support: full
    platforms: posix
notes:
  - The switch is as atomic as C(rename) on the file system holding the link, which POSIX
    guarantees for local file systems. On NFS the rename is atomic on the server, but other
    clients may go on resolving the old target until their attribute cache expires.
  - The check that O(path) is not a real file or directory and the switch are two steps; a
    plain file created at O(path) in between by another process would be replaced (a
    directory would not, the rename then fails).
  - The directory of the link is flushed with C(fsync) after the switch (best effort), so the
    new link survives a crash.
  - Changing only O(owner) or O(group) of an existing link does not touch O(previous).
seealso:
  - module: ansible.builtin.file
    description: Creates symlinks with O(ansible.builtin.file#module:state=link), but not atomically.
'''

EXAMPLES = r'''
- name: Make the finished environment the default one
  hpc.datasci.atomic_symlink:
    path: /opt/software/envs/default
    target: default-3f9a1c2b7e01          # relative to /opt/software/envs
    require: .complete                    # written as the last step of the build
    previous: /opt/software/envs/previous
  register: default_env

- name: Show what was replaced
  ansible.builtin.debug:
    msg: "default: {{ default_env.old_target }} -> {{ default_env.target }}"
  when: default_env is changed

- name: Absolute target, link owned by the software account
  hpc.datasci.atomic_symlink:
    path: /opt/software/modulefiles/python/default
    target: /opt/software/modulefiles/python/3.12.4
    owner: swadmin
    group: swadmin

- name: Roll back to the previous version (run once, when needed)
  block:
    - name: Read the previous link
      ansible.builtin.stat:
        path: /opt/software/envs/previous
      register: previous_link

    - name: Point default at the previous version again
      hpc.datasci.atomic_symlink:
        path: /opt/software/envs/default
        target: "{{ previous_link.stat.lnk_target }}"
        require: .complete
        previous: /opt/software/envs/previous
      when: previous_link.stat.islnk | default(false)
'''

RETURN = r'''
changed:
  description: Whether a link was (or, in check mode, would have been) written or re-owned.
  returned: always
  type: bool
path:
  description: The managed symlink.
  returned: always
  type: str
  sample: /opt/software/envs/default
target:
  description: What O(path) points at now (in check mode, would point at), as given.
  returned: always
  type: str
  sample: default-3f9a1c2b7e01
old_target:
  description: What O(path) pointed at before the task, as C(readlink) printed it; V(null) if it did not exist.
  returned: always
  type: str
  sample: default-1d2e3f4a5b6c
previous_target:
  description:
    - What O(previous) points at now (in check mode, would point at); V(null) if it does not exist.
  returned: when O(previous) is set
  type: str
  sample: default-1d2e3f4a5b6c
diff:
  description:
    - The link before and after; the C(target) of the before side is V(null) when the link
      did not exist.
    - C(owner) (numeric uid) and C(group) (numeric gid) are included when O(owner) or
      O(group) is set, on the before side only if the link existed.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: The link as found.
      type: dict
    after:
      description: The link as wanted.
      type: dict
  sample:
    before: {path: /opt/software/envs/default, target: default-1d2e3f4a5b6c}
    after: {path: /opt/software/envs/default, target: default-3f9a1c2b7e01}
'''

import errno
import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule

# room left in a file name for the ".<name>.tmp-<pid>-<random>" decoration
_TMP_NAME_MAX = 200


class AtomicSymlinkError(Exception):
    """A failure to report with fail_json(msg=msg, **details)."""

    def __init__(self, msg, **details):
        super(AtomicSymlinkError, self).__init__(msg)
        self.msg = msg
        self.details = details


def argument_spec():
    return dict(
        path=dict(type='path', required=True),
        target=dict(type='str', required=True),
        previous=dict(type='path'),
        require=dict(type='str'),
        owner=dict(type='str'),
        group=dict(type='str'),
    )


def _clean_link_path(value, option):
    """The link path without trailing slashes; must be absolute and name a file."""
    if not os.path.isabs(value):
        raise AtomicSymlinkError('%s must be an absolute path, got %r' % (option, value))
    stripped = value.rstrip('/')
    if not stripped:
        raise AtomicSymlinkError('%s cannot be the root directory' % option)
    directory = os.path.dirname(stripped)
    if not os.path.isdir(directory):
        raise AtomicSymlinkError('The directory of %s does not exist: %s' % (option, directory),
                                 path=stripped)
    return stripped


def _read_link(path, option):
    """Current target of the symlink at ``path`` (None if nothing is there).

    Fails if something that is not a symlink is there: that may be user data.
    """
    if not os.path.lexists(path):
        return None
    if not os.path.islink(path):
        kind = 'a directory' if os.path.isdir(path) else 'a file'
        raise AtomicSymlinkError(
            '%s %s exists and is %s, not a symlink; refusing to replace it. '
            'Move it out of the way first.' % (option, path, kind), path=path)
    return os.readlink(path)


def _lookup_id(value, database, what):
    if value is None:
        return -1
    try:
        return int(value)
    except ValueError:
        pass
    try:
        entry = database(value)
    except KeyError:
        raise AtomicSymlinkError('Unknown %s: %s' % (what, value)) from None
    return entry[2]


def _same_directory(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _fsync_directory(directory):
    """Flush the directory entry of the new link; best effort."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_symlink(target, path, uid=-1, gid=-1):
    """Atomically make ``path`` a symlink to ``target``.

    A uniquely named temporary symlink is created next to ``path``, given its
    owner/group, and renamed onto ``path``: rename(2) replaces the old link in
    one step, so ``path`` never goes missing. The temporary link is removed if
    any step fails.
    """
    directory, name = os.path.split(path)
    for _attempt in range(100):
        tmp = os.path.join(directory, '.%s.tmp-%d-%s' % (
            name[:_TMP_NAME_MAX], os.getpid(), os.urandom(6).hex()))
        try:
            os.symlink(target, tmp)
            break
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    else:
        raise OSError(errno.EEXIST, 'could not find a free temporary name', tmp)
    try:
        if uid != -1 or gid != -1:
            os.lchown(tmp, uid, gid)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(directory)


def _ownership(path, uid, gid):
    """(current, wanted) (uid, gid) of the link at path; -1 means unmanaged."""
    st = os.lstat(path)
    current = (st.st_uid, st.st_gid)
    wanted = (current[0] if uid == -1 else uid, current[1] if gid == -1 else gid)
    return current, wanted


def ensure_symlink(params, check_mode=False, diff=False, warn=None):
    """Make params['path'] a symlink to params['target']; return the module result.

    Raises AtomicSymlinkError, before changing anything, on invalid input.
    """
    warn = warn or (lambda msg: None)
    target = params['target']
    if not target:
        raise AtomicSymlinkError('target must not be empty')
    path = _clean_link_path(params['path'], 'path')
    directory = os.path.dirname(path)
    previous = params.get('previous')
    if previous:
        previous = _clean_link_path(previous, 'previous')
        if previous == path:
            raise AtomicSymlinkError('previous must differ from path (%s)' % path)

    old_target = _read_link(path, 'path')
    previous_current = _read_link(previous, 'previous') if previous else None

    resolved = target if os.path.isabs(target) else os.path.join(directory, target)
    require = params.get('require')
    if require is not None:
        if not require or os.path.isabs(require):
            raise AtomicSymlinkError('require must be a file name relative to the target, got %r' % require)
        required = os.path.join(resolved, require)
        if not os.path.exists(required):
            raise AtomicSymlinkError(
                'Required file %s is missing: target %s is not complete. %s was not changed.'
                % (required, target, path), path=path, target=target, required=required)
    elif not os.path.exists(resolved):
        warn('target %s does not exist (resolved to %s); %s will be a dangling link'
             % (target, resolved, path))

    uid = _lookup_id(params.get('owner'), pwd.getpwnam, 'user')
    gid = _lookup_id(params.get('group'), grp.getgrnam, 'group')
    manage_ownership = uid != -1 or gid != -1

    relink = old_target != target
    fix_ownership = False
    current_ids = None
    if old_target is not None and manage_ownership:
        current_ids, wanted_ids = _ownership(path, uid, gid)
        fix_ownership = not relink and current_ids != wanted_ids

    previous_wanted = previous_current
    if previous and relink and old_target is not None:
        previous_wanted = old_target
        if not os.path.isabs(old_target) and not _same_directory(directory, os.path.dirname(previous)):
            previous_wanted = os.path.join(directory, old_target)
    write_previous = previous_wanted != previous_current

    if not check_mode:
        try:
            if write_previous:
                # first, so the old target is recorded before the switch
                replace_symlink(previous_wanted, previous, uid, gid)
            if relink:
                replace_symlink(target, path, uid, gid)
            elif fix_ownership:
                os.lchown(path, uid, gid)
        except OSError as exc:
            raise AtomicSymlinkError('Could not update the symlink %s: %s' % (path, exc),
                                     path=path, target=target, old_target=old_target) from exc

    result = dict(changed=relink or fix_ownership or write_previous, path=path, target=target,
                  old_target=old_target)
    if previous:
        result['previous_target'] = previous_wanted
    if diff:
        before = dict(path=path, target=old_target)
        after = dict(path=path, target=target)
        # ownership only where managed: the owner of a new link is not known in advance
        for key, wanted_id, index in (('owner', uid, 0), ('group', gid, 1)):
            if wanted_id != -1:
                after[key] = wanted_id
                if current_ids is not None:
                    before[key] = current_ids[index]
        result['diff'] = dict(before=before, after=after)
    return result


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        result = ensure_symlink(module.params, check_mode=module.check_mode, diff=module._diff,
                                warn=module.warn)
    except AtomicSymlinkError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
