"""Unit tests for the atomic_symlink module.

Every test works on real symlinks under pytest's tmp_path; most drive the
module's main() in-process with patched module arguments, the atomicity test
calls ensure_symlink() directly to switch the link many times quickly.
"""

import glob
import json
import os
import threading

import atomic_symlink
import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

OLD = 'default-1d2e3f4a5b6c'
NEW = 'default-3f9a1c2b7e01'


def call_main(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            atomic_symlink.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def make_prefix(root, name, complete=True):
    prefix = root / name
    prefix.mkdir()
    (prefix / 'marker').write_text(name)
    if complete:
        (prefix / '.complete').write_text('')
    return prefix


def temp_links(directory):
    return glob.glob(os.path.join(str(directory), '.*.tmp-*'))


@pytest.fixture
def envs(tmp_path):
    make_prefix(tmp_path, OLD)
    make_prefix(tmp_path, NEW)
    return tmp_path


def test_create_new_link(envs, capsys):
    link = envs / 'default'
    code, out = call_main(dict(path=str(link), target=str(envs / NEW)), capsys)
    assert code == 0
    assert out['changed'] is True
    assert out['path'] == str(link)
    assert out['target'] == str(envs / NEW)
    assert out['old_target'] is None
    assert 'previous_target' not in out
    assert 'diff' not in out
    assert os.readlink(str(link)) == str(envs / NEW)
    assert (link / 'marker').read_text() == NEW
    assert temp_links(envs) == []


def test_second_call_is_idempotent(envs, capsys):
    link = envs / 'default'
    args = dict(path=str(link), target=NEW, previous=str(envs / 'previous'))
    assert call_main(args, capsys)[1]['changed'] is True
    before = os.lstat(str(link))
    code, out = call_main(args, capsys)
    assert code == 0
    assert out['changed'] is False
    assert out['old_target'] == NEW
    assert out['previous_target'] is None
    assert not os.path.lexists(str(envs / 'previous'))
    after = os.lstat(str(link))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_switch_to_new_target_sets_previous(envs, capsys):
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(OLD, str(link))
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous), require='.complete'),
                          capsys)
    assert code == 0
    assert out['changed'] is True
    assert out['old_target'] == OLD
    assert out['target'] == NEW
    assert out['previous_target'] == OLD
    assert os.readlink(str(link)) == NEW
    assert os.readlink(str(previous)) == OLD
    assert (previous / 'marker').read_text() == OLD
    assert temp_links(envs) == []


def test_switch_replaces_existing_previous_link(envs, capsys):
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(OLD, str(link))
    os.symlink('default-000000000000', str(previous))
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous)), capsys)
    assert code == 0
    assert out['previous_target'] == OLD
    assert os.readlink(str(previous)) == OLD


def test_previous_untouched_when_link_unchanged(envs, capsys):
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(NEW, str(link))
    os.symlink('default-000000000000', str(previous))
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous)), capsys)
    assert code == 0
    assert out['changed'] is False
    assert out['previous_target'] == 'default-000000000000'
    assert os.readlink(str(previous)) == 'default-000000000000'


def test_previous_untouched_when_link_is_new(envs, capsys):
    link, previous = envs / 'default', envs / 'previous'
    os.symlink('default-000000000000', str(previous))
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous)), capsys)
    assert code == 0
    assert out['changed'] is True
    assert out['previous_target'] == 'default-000000000000'
    assert os.readlink(str(previous)) == 'default-000000000000'


def test_previous_in_other_directory_gets_absolute_target(envs, tmp_path_factory, capsys):
    link = envs / 'default'
    other = tmp_path_factory.mktemp('elsewhere')
    previous = other / 'previous'
    os.symlink(OLD, str(link))
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous)), capsys)
    assert code == 0
    assert out['previous_target'] == os.path.join(str(envs), OLD)
    assert (previous / 'marker').read_text() == OLD


def test_relative_target(envs, capsys):
    link = envs / 'default'
    code, out = call_main(dict(path=str(link), target=NEW, require='.complete'), capsys)
    assert code == 0
    assert out['changed'] is True
    assert os.readlink(str(link)) == NEW          # stored verbatim, not made absolute
    assert (link / 'marker').read_text() == NEW


def test_trailing_slash_on_path_manages_the_link(envs, capsys):
    link = envs / 'default'
    os.symlink(OLD, str(link))
    code, out = call_main(dict(path=str(link) + '/', target=NEW), capsys)
    assert code == 0
    assert out['path'] == str(link)
    assert os.readlink(str(link)) == NEW


def test_require_missing_fails_and_changes_nothing(envs, capsys):
    make_prefix(envs, 'default-unfinished', complete=False)
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(OLD, str(link))
    code, out = call_main(dict(path=str(link), target='default-unfinished', require='.complete',
                               previous=str(previous)), capsys)
    assert code == 1
    assert out['failed'] is True
    missing = os.path.join(str(envs), 'default-unfinished', '.complete')
    assert out['msg'] == ('Required file %s is missing: target default-unfinished is not complete. '
                          '%s was not changed.' % (missing, link))
    assert out['required'] == missing
    assert os.readlink(str(link)) == OLD
    assert not os.path.lexists(str(previous))
    assert temp_links(envs) == []


def test_require_missing_fails_for_new_link(envs, capsys):
    link = envs / 'default'
    code, out = call_main(dict(path=str(link), target=str(envs / 'nope'), require='.complete'), capsys)
    assert code == 1
    assert '.complete is missing' in out['msg']
    assert not os.path.lexists(str(link))


def test_require_must_be_relative(envs, capsys):
    code, out = call_main(dict(path=str(envs / 'default'), target=NEW, require='/etc/passwd'), capsys)
    assert code == 1
    assert out['msg'] == "require must be a file name relative to the target, got '/etc/passwd'"


def test_path_is_real_directory(envs, capsys):
    real = envs / 'default'
    real.mkdir()
    (real / 'data').write_text('precious')
    code, out = call_main(dict(path=str(real), target=NEW, previous=str(envs / 'previous')), capsys)
    assert code == 1
    assert out['failed'] is True
    assert out['msg'] == ('path %s exists and is a directory, not a symlink; refusing to replace it. '
                          'Move it out of the way first.' % real)
    assert real.is_dir() and not real.is_symlink()
    assert (real / 'data').read_text() == 'precious'
    assert not os.path.lexists(str(envs / 'previous'))
    assert temp_links(envs) == []


def test_path_is_real_file(envs, capsys):
    real = envs / 'default'
    real.write_text('precious')
    code, out = call_main(dict(path=str(real), target=NEW), capsys)
    assert code == 1
    assert 'exists and is a file, not a symlink' in out['msg']
    assert real.read_text() == 'precious'


def test_previous_is_real_directory(envs, capsys):
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(OLD, str(link))
    previous.mkdir()
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous)), capsys)
    assert code == 1
    assert out['msg'].startswith('previous %s exists and is a directory' % previous)
    assert os.readlink(str(link)) == OLD
    assert previous.is_dir() and not previous.is_symlink()


def test_previous_same_as_path(envs, capsys):
    link = str(envs / 'default')
    code, out = call_main(dict(path=link, target=NEW, previous=link + '/'), capsys)
    assert code == 1
    assert out['msg'] == 'previous must differ from path (%s)' % link


def test_relative_path_rejected(envs, capsys):
    code, out = call_main(dict(path='default', target=NEW), capsys)
    assert code == 1
    assert out['msg'] == "path must be an absolute path, got 'default'"


def test_missing_directory(envs, capsys):
    code, out = call_main(dict(path=str(envs / 'nodir' / 'default'), target=NEW), capsys)
    assert code == 1
    assert out['msg'] == 'The directory of path does not exist: %s' % (envs / 'nodir')


def test_dangling_target_warns(envs, capsys, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, 'warn', lambda self, msg, *a, **kw: warned.append(msg))
    link = envs / 'default'
    code, out = call_main(dict(path=str(link), target='default-notbuilt'), capsys)
    assert code == 0
    assert out['changed'] is True
    assert os.readlink(str(link)) == 'default-notbuilt'
    assert warned == ['target default-notbuilt does not exist (resolved to %s); %s will be a dangling link'
                      % (envs / 'default-notbuilt', link)]


def test_check_mode_changes_nothing(envs, capsys):
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(OLD, str(link))
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous),
                               _ansible_check_mode=True, _ansible_diff=True), capsys)
    assert code == 0
    assert out['changed'] is True
    assert out['old_target'] == OLD
    assert out['previous_target'] == OLD
    assert out['diff'] == {'before': {'path': str(link), 'target': OLD},
                           'after': {'path': str(link), 'target': NEW}}
    assert os.readlink(str(link)) == OLD
    assert not os.path.lexists(str(previous))
    assert temp_links(envs) == []


def test_check_mode_new_link(envs, capsys):
    link = envs / 'default'
    code, out = call_main(dict(path=str(link), target=NEW, _ansible_check_mode=True), capsys)
    assert code == 0
    assert out['changed'] is True
    assert not os.path.lexists(str(link))


def test_diff_contents(envs, capsys):
    link = envs / 'default'
    code, out = call_main(dict(path=str(link), target=OLD, _ansible_diff=True), capsys)
    assert out['diff'] == {'before': {'path': str(link), 'target': None},
                           'after': {'path': str(link), 'target': OLD}}
    code, out = call_main(dict(path=str(link), target=NEW, _ansible_diff=True), capsys)
    assert out['changed'] is True
    assert out['diff'] == {'before': {'path': str(link), 'target': OLD},
                           'after': {'path': str(link), 'target': NEW}}
    code, out = call_main(dict(path=str(link), target=NEW, _ansible_diff=True), capsys)
    assert out['changed'] is False
    assert out['diff'] == {'before': {'path': str(link), 'target': NEW},
                           'after': {'path': str(link), 'target': NEW}}


def test_owner_and_group_applied_with_lchown(envs, capsys, monkeypatch):
    chowned = []
    real_lchown = os.lchown

    def lchown(path, uid, gid):
        chowned.append((os.path.basename(path), uid, gid))
        return real_lchown(path, uid, gid)

    monkeypatch.setattr(os, 'lchown', lchown)
    link, previous = envs / 'default', envs / 'previous'
    os.symlink(OLD, str(link))
    uid, gid = os.getuid(), os.getgid()
    code, out = call_main(dict(path=str(link), target=NEW, previous=str(previous),
                               owner=str(uid), group=str(gid), _ansible_diff=True), capsys)
    assert code == 0
    # the temporary links are chowned before being renamed into place
    assert [c[1:] for c in chowned] == [(uid, gid), (uid, gid)]
    assert all(c[0].startswith(('.previous.tmp-', '.default.tmp-')) for c in chowned)
    assert out['diff'] == {'before': {'path': str(link), 'target': OLD, 'owner': uid, 'group': gid},
                           'after': {'path': str(link), 'target': NEW, 'owner': uid, 'group': gid}}
    st = os.lstat(str(link))
    assert (st.st_uid, st.st_gid) == (uid, gid)
    # already right: nothing to do
    del chowned[:]
    code, out = call_main(dict(path=str(link), target=NEW, owner=str(uid)), capsys)
    assert out['changed'] is False
    assert chowned == []


def test_ownership_fixed_on_unchanged_link(envs, capsys, monkeypatch):
    chowned = []
    monkeypatch.setattr(os, 'lchown', lambda path, uid, gid: chowned.append((path, uid, gid)))
    link = envs / 'default'
    os.symlink(NEW, str(link))
    other_gid = os.getgid() + 1
    code, out = call_main(dict(path=str(link), target=NEW, group=str(other_gid),
                               previous=str(envs / 'previous')), capsys)
    assert code == 0
    assert out['changed'] is True
    assert chowned == [(str(link), -1, other_gid)]
    assert not os.path.lexists(str(envs / 'previous'))


def test_unknown_owner(envs, capsys):
    code, out = call_main(dict(path=str(envs / 'default'), target=NEW, owner='no-such-user-xyz'), capsys)
    assert code == 1
    assert out['msg'] == 'Unknown user: no-such-user-xyz'
    assert not os.path.lexists(str(envs / 'default'))


def test_failed_rename_removes_temp_link(envs, capsys, monkeypatch):
    link = envs / 'default'
    os.symlink(OLD, str(link))

    def failing_replace(src, dst):
        raise OSError(5, 'Input/output error')

    monkeypatch.setattr(os, 'replace', failing_replace)
    code, out = call_main(dict(path=str(link), target=NEW), capsys)
    assert code == 1
    assert out['msg'] == 'Could not update the symlink %s: [Errno 5] Input/output error' % link
    assert os.readlink(str(link)) == OLD
    assert temp_links(envs) == []


def test_never_unlinks_the_link(envs, capsys, monkeypatch):
    link = envs / 'default'
    os.symlink(OLD, str(link))
    removed = []
    real_unlink = os.unlink
    monkeypatch.setattr(os, 'unlink', lambda p, *a, **kw: (removed.append(p), real_unlink(p, *a, **kw)))
    monkeypatch.setattr(os, 'remove', lambda p, *a, **kw: removed.append(p))
    code, out = call_main(dict(path=str(link), target=NEW), capsys)
    assert code == 0
    assert removed == []
    assert os.readlink(str(link)) == NEW


def test_switching_is_atomic(envs):
    """A reader polling through the link never sees it missing during 300 switches."""
    link = str(envs / 'default')
    atomic_symlink.ensure_symlink(dict(path=link, target=OLD))
    stop = threading.Event()
    stats = {'checks': 0, 'missing': 0}

    def poll():
        marker = link + '/marker'
        while not stop.is_set():
            if not os.path.exists(marker):
                stats['missing'] += 1
            stats['checks'] += 1

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for i in range(300):
            target = NEW if i % 2 == 0 else OLD
            result = atomic_symlink.ensure_symlink(dict(path=link, target=target, require='marker',
                                                        previous=str(envs / 'previous')))
            assert result['changed'] is True
    finally:
        stop.set()
        poller.join()
    assert stats['missing'] == 0
    assert stats['checks'] > 300
    assert os.readlink(link) == OLD
    assert os.readlink(str(envs / 'previous')) == NEW
    assert temp_links(envs) == []
