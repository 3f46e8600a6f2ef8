# -*- coding: utf-8 -*-
"""Shared helpers for the slurm_sacctmgr and slurm_sacctmgr_info modules.

Everything in here is free of Ansible imports so that it can be unit-tested
on its own and fed with recorded ``sacctmgr --noheader --parsable2`` output.
What Slurm calls its attributes and how it spells their values (the
attribute table, aliases, flags, times, TRES) comes from slurm_vocab, the
bundle's one Slurm vocabulary, which the validation filters read too.

Vocabulary used below:

* *set-name*: the spelling sacctmgr accepts after ``set`` / on ``add``
  (``MaxTRESPerUser``).  This is what playbooks use as attribute keys.
* *show token*: the field name we put into ``format=`` when reading
  (``MaxTRESPU``).  With ``--noheader`` the column title sacctmgr would print
  is irrelevant; the output columns come back in the order we asked for.
* *canonical* value: the normalized Python value used for comparing what is
  wanted with what sacctmgr reports (seconds for durations, a dict for TRES,
  a frozenset for flags, ...).
* *display* value: the string shown in diffs and returned records, spelled
  like sacctmgr prints it (``1-00:00:00``, ``cpu=4,mem=4G``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict

from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    ACCOUNT,
    ADMIN,
    ADMIN_LEVELS,
    ASSOC_SCOPE,
    ATTRIBUTES,
    CLEAR_WORDS,
    ENTITIES,
    ENTITY_SCOPE,
    EXEMPT,
    FAIRSHARE,
    FLAGS,
    FLOAT,
    GRACE,
    INT,
    NAME,
    NAME_REQUIRED,
    NO_DEFAULT,
    PREEMPT_MODE,
    QOS,
    QOS_FLAGS,
    QOS_LIST,
    SECONDS_TIME_FORMATS,
    TEXT,
    TIME_FORMATS,
    TIME_KINDS,
    TRES,
    USER,
    WALL,
    SlurmValueError,
    allowed_attributes,
    closest_name,
    entity_aliases,
    format_time,
    format_tres,
    parse_count,
    parse_factor,
    parse_preempt_mode,
    parse_qos_flags,
    parse_time,
    parse_tres,
    qos_flag,
    resolve_key,
    split_names,
    tres_sort_key,
)


def attribute_scope(entity, set_name):
    if entity == QOS:
        return ENTITY_SCOPE
    return ATTRIBUTES[set_name].scope


# --------------------------------------------------------------------------
# Errors


class SacctmgrError(Exception):
    """Anything the module should report through fail_json."""

    def __init__(self, msg, **details):
        super(SacctmgrError, self).__init__(msg)
        self.msg = msg
        self.details = details


class NormalizeError(SacctmgrError):
    """A value that cannot be understood."""


# --------------------------------------------------------------------------
# Normalization: the values are read by slurm_vocab; here are what the
# module adds: clearing words (null, "", -1), Slurm's defaults, and the
# tolerance of whatever sacctmgr prints.


def _as_text(value, attr_name):
    if isinstance(value, bool):
        raise NormalizeError(
            "Invalid value for %s: %r (booleans are not sacctmgr values)" % (attr_name, value))
    if value is None:
        return ''
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_clear(text):
    return text.lower() in CLEAR_WORDS


def _read(parser, value, attr_name, *args):
    """``parser(*args)`` with slurm_vocab's errors as NormalizeError."""
    try:
        return parser(*args)
    except SlurmValueError as err:
        raise NormalizeError("Invalid value for %s: %r (%s)" % (attr_name, value, err)) from None


def _read_time(kind, value, attr_name):
    """Seconds of a time attribute (None when cleared)."""
    text = _as_text(value, attr_name)
    if _is_clear(text):
        return None
    bare_unit = TIME_KINDS[kind]
    try:
        return parse_time(text, bare_unit)
    except SlurmValueError as err:
        formats = SECONDS_TIME_FORMATS if bare_unit == 1 else TIME_FORMATS
        raise NormalizeError(
            "Invalid value for %s: %r (%s; use %s)" % (attr_name, value, err, formats)) from None


def _parse_tres_value(value, attr_name):
    """{name: count} of a TRES string or dict (None when cleared)."""
    if not isinstance(value, dict) and _is_clear(_as_text(value, attr_name)):
        return None
    return _read(parse_tres, value, attr_name, value) or None


def _split_list(value, attr_name):
    if isinstance(value, (list, tuple, set, frozenset)):
        return split_names([_as_text(v, attr_name) for v in value])
    return split_names(_as_text(value, attr_name))


def _parse_qos_list(value, attr_name, output):
    items = _split_list(value, attr_name)
    if len(items) == 1 and items[0] == '-1':
        return None
    names = set()
    for item in items:
        if item[0] in '+-':
            if output:
                # a relative entry; sacctmgr resolves these, ignore removals
                if item[0] == '-':
                    continue
                item = item[1:]
            else:
                raise NormalizeError(
                    "Invalid value for %s: %r (relative +name/-name entries are not supported; "
                    "give the complete list)" % (attr_name, value))
        names.add(item.lower())
    return frozenset(names) or None


def _parse_flags(value, attr_name, output):
    """Lower-case flag names; input must be slurm_vocab's QOS flags, output
    keeps whatever this Slurm prints."""
    items = [i for i in _split_list(value, attr_name) if i.lower() != 'notset']
    if output:
        flags = set(i.lower() for i in items if i != '-1')
    else:
        try:
            flags = set(f.lower() for f in parse_qos_flags(items))
        except SlurmValueError as err:
            raise NormalizeError("Invalid value for %s: %r (%s; known flags: %s)" % (
                attr_name, value, err, ', '.join(QOS_FLAGS))) from None
    return frozenset(flags) or None


def _format_flags(flags):
    if not flags:
        return None
    known = [f for f in QOS_FLAGS if f.lower() in flags]
    unknown = sorted(f for f in flags if qos_flag(f) is None)
    return ','.join(known + unknown)


def _format_preempt_mode(modes, upper=False):
    """``cluster``, ``requeue``, ``gang,suspend`` as sacctmgr prints a QOS's
    mode (22.05 and 24.11 alike: slurm_releases.py)."""
    if not modes or modes == frozenset(('cluster',)):
        return 'cluster'
    first = [m for m in ('gang', 'within') if m in modes]
    rest = sorted(m for m in modes if m not in ('gang', 'within'))
    text = ','.join(first + rest)
    return text.upper() if upper else text


def default_for(set_name, entity=None):
    """Slurm's default for ``set_name`` on ``entity``, or ``NO_DEFAULT``."""
    default = ATTRIBUTES[set_name].default
    if isinstance(default, dict):
        return default.get(entity, NO_DEFAULT)
    return default


def normalize(set_name, value, output=False, entity=None):
    """Return the canonical value of ``set_name``.

    ``output=False`` treats ``value`` as user input (clearing words are
    mapped to Slurm's default for ``entity`` where it has one, bare
    durations get their unit); ``output=True`` treats it as a field printed
    by sacctmgr.
    """
    kind = ATTRIBUTES[set_name].kind
    canonical = _normalize_kind(kind, value, set_name, output)
    if canonical is None and not output:
        default = default_for(set_name, entity)
        if default is not NO_DEFAULT:
            canonical = _normalize_kind(kind, default, set_name, output)
    return canonical


def _normalize_kind(kind, value, name, output):
    if kind in (INT, FLOAT):
        text = _as_text(value, name)
        if _is_clear(text):
            return None
        return _read(parse_count if kind == INT else parse_factor, value, name, text)
    if kind == WALL:
        secs = _read_time(kind, value, name)
        # sacctmgr keeps these in whole minutes, rounding seconds up
        return None if secs is None else -(-secs // 60) * 60
    if kind in TIME_KINDS:
        return _read_time(kind, value, name)
    if kind == TRES:
        return _parse_tres_value(value, name)
    if kind == FLAGS:
        return _parse_flags(value, name, output)
    if kind == QOS_LIST:
        return _parse_qos_list(value, name, output)
    if kind == PREEMPT_MODE:
        _as_text(value, name)       # refuses booleans
        return _read(parse_preempt_mode, value, name, value)
    if kind in (NAME, NAME_REQUIRED):
        text = _as_text(value, name)
        if text in ('', '-1'):
            if kind == NAME_REQUIRED and not output:
                raise NormalizeError("Invalid value for %s: %s cannot be cleared" % (name, name))
            return None
        if ',' in text:
            raise NormalizeError("Invalid value for %s: %r (a single name is expected)" % (name, value))
        return text.lower()
    if kind == TEXT:
        return _as_text(value, name)
    if kind == ADMIN:
        text = _as_text(value, name)
        if text == '':
            return None
        level = ADMIN_LEVELS.get(text.lower())
        if level is None:
            raise NormalizeError(
                "Invalid value for %s: %r (expected None, Operator or Administrator)" % (name, value))
        return level
    if kind == FAIRSHARE:
        text = _as_text(value, name)
        if _is_clear(text):
            return None
        if text.lower() == 'parent':
            return 'parent'
        return _read(parse_count, value, name, text)
    raise AssertionError('unknown kind %s' % kind)  # pragma: no cover


def values_equal(set_name, wanted, current):
    if ATTRIBUTES[set_name].kind == TEXT:
        return (wanted or '').casefold() == (current or '').casefold()
    return wanted == current


def display(set_name, canonical):
    """Canonical value -> string as sacctmgr prints it (``None`` if unset)."""
    kind = ATTRIBUTES[set_name].kind
    if kind == PREEMPT_MODE:
        return _format_preempt_mode(canonical)
    if canonical is None:
        return None
    if kind == INT:
        return str(canonical)
    if kind == FLOAT:
        return '%f' % canonical
    if kind in (WALL, GRACE, EXEMPT):
        return format_time(canonical)
    if kind == TRES:
        return format_tres(canonical)
    if kind == FLAGS:
        return _format_flags(canonical)
    if kind == QOS_LIST:
        return ','.join(sorted(canonical)) or None
    if kind == FAIRSHARE:
        return str(canonical)
    return canonical


def _format_float_arg(number):
    text = ('%f' % number).rstrip('0').rstrip('.')
    return text or '0'


def to_arg(set_name, wanted, current=None):
    """Value to put after ``Attr=`` so sacctmgr ends up at ``wanted``.

    ``current`` matters for TRES only: keys set now but not wanted are
    removed with ``name=-1``, since sacctmgr merges TRES strings.
    """
    kind = ATTRIBUTES[set_name].kind
    if kind == TRES:
        parts = []
        wanted = wanted or {}
        for key in sorted(wanted, key=tres_sort_key):
            parts.append('%s=%d' % (key, wanted[key]))
        for key in sorted(current or {}, key=tres_sort_key):
            if key not in wanted:
                parts.append('%s=-1' % key)
        return ','.join(parts)
    if kind == PREEMPT_MODE:
        # sacctmgr takes any case; upper case as in the manual
        return _format_preempt_mode(wanted, upper=wanted != frozenset(('cluster',)))
    if wanted is None:
        if kind == QOS_LIST:
            return ''
        return '-1'
    if kind == INT:
        return str(wanted)
    if kind == FLOAT:
        return _format_float_arg(wanted)
    if kind == WALL:
        return str(wanted // 60)            # minutes
    if kind == GRACE:
        return str(wanted)                  # GraceTime takes plain seconds
    if kind == EXEMPT:
        return format_time(wanted)
    if kind == FLAGS:
        return _format_flags(wanted)
    if kind == QOS_LIST:
        return ','.join(sorted(wanted))
    if kind == FAIRSHARE:
        return str(wanted)
    return wanted


def _hint(entity, key):
    """The set-name a misspelt ``key`` probably means, or None."""
    aliases = entity_aliases(entity)
    guess = closest_name(key, allowed_attributes(entity) + sorted(aliases))
    return aliases.get(guess, guess)


def normalize_attributes(entity, attributes):
    """Validate keys and normalize the wanted attributes.

    Keys are set-names or their aliases (slurm_vocab.ALIASES), in any case
    as sacctmgr takes them; the result is an OrderedDict keyed by the
    set-name, in table order, of canonical values.
    """
    attributes = attributes or {}
    allowed = allowed_attributes(entity)
    resolved = {}
    unknown = []
    for key in attributes:
        target = resolve_key(entity, key)
        if target is None:
            unknown.append(key)
        elif target in resolved:
            raise SacctmgrError(
                "Attributes %s and %s both set %s; give only one"
                % (resolved[target], key, target))
        else:
            resolved[target] = key
    if unknown:
        described = []
        for key in sorted(unknown, key=str):
            hint = _hint(entity, key)
            described.append('%s (did you mean %s?)' % (key, hint) if hint else str(key))
        raise SacctmgrError(
            "Unsupported attribute(s) for entity '%s': %s. Allowed attributes: %s"
            % (entity, ', '.join(described), ', '.join(sorted(allowed))))
    wanted = OrderedDict()
    for key in allowed:
        if key in resolved:
            wanted[key] = normalize(key, attributes[resolved[key]], entity=entity)
    return wanted


# --------------------------------------------------------------------------
# Reading sacctmgr output

def parse_parsable2(text, fields):
    """Split ``--noheader --parsable2`` output into dicts keyed by ``fields``.

    Lines without any ``|`` are sacctmgr chatter (e.g. the "Database is
    busy" notice) and skipped when more than one field was requested.
    """
    rows = []
    for line in (text or '').splitlines():
        line = line.rstrip('\r')
        if not line.strip():
            continue
        parts = line.split('|')
        if len(fields) > 1 and len(parts) == 1:
            continue
        if len(parts) != len(fields):
            raise SacctmgrError(
                'Unexpected sacctmgr output: expected %d fields (%s), got %d in line %r'
                % (len(fields), ','.join(fields), len(parts), line))
        rows.append(OrderedDict(zip(fields, parts)))
    return rows


def row_to_canonical(row, set_names):
    result = OrderedDict()
    for key in set_names:
        result[key] = normalize(key, row.get(ATTRIBUTES[key].show, ''), output=True)
    return result


def row_to_display(row, set_names):
    canonical = row_to_canonical(row, set_names)
    return OrderedDict((k, display(k, v)) for k, v in canonical.items())


# --------------------------------------------------------------------------
# Running sacctmgr

class Sacctmgr:
    """Thin wrapper over a runner ``runner(args) -> (rc, stdout, stderr)``.

    ``args`` never contains the binary itself; the module's runner prepends
    the path found by ``get_bin_path``.
    """

    def __init__(self, runner):
        self.runner = runner

    def run(self, args):
        rc, out, err = self.runner(list(args))
        if rc != 0:
            detail = (err or '').strip() or (out or '').strip() or 'no output'
            raise SacctmgrError(
                'sacctmgr failed (rc=%s): %s' % (rc, detail),
                cmd=['sacctmgr'] + list(args), rc=rc, stdout=out, stderr=err)
        return out

    def show(self, what, conditions, fields, extra=()):
        args = ['--noheader', '--parsable2', 'show', what] + list(extra)
        if conditions:
            args += ['where'] + list(conditions)
        args.append('format=' + ','.join(fields))
        return parse_parsable2(self.run(args), fields)


def _same_name(a, b):
    return (a or '').lower() == (b or '').lower()


def read_qos(client, name=None, set_names=None):
    """Rows of ``show qos`` as OrderedDicts: ``Name`` + display values."""
    set_names = allowed_attributes(QOS) if set_names is None else list(set_names)
    fields = ['Name'] + [ATTRIBUTES[k].show for k in set_names]
    rows = client.show('qos', ['name=%s' % name] if name else [], fields)
    if name:
        rows = [r for r in rows if _same_name(r['Name'], name)]
    return rows


def read_accounts(client, name=None, cluster=None, set_names=None):
    """Rows of ``show account withassoc`` for the accounts' own associations.

    An account without any association comes back with an empty Cluster.
    """
    set_names = allowed_attributes(ACCOUNT) if set_names is None else list(set_names)
    fields = ['Account', 'Cluster', 'User'] + [ATTRIBUTES[k].show for k in set_names]
    conds = []
    if name:
        conds.append('name=%s' % name)
    if cluster:
        conds.append('cluster=%s' % cluster)
    rows = client.show('account', conds, fields, extra=['withassoc'])
    rows = [r for r in rows if not r['User']]
    if name:
        rows = [r for r in rows if _same_name(r['Account'], name)]
    if cluster:
        rows = [r for r in rows if not r['Cluster'] or _same_name(r['Cluster'], cluster)]
    return rows


def read_users(client, name=None, set_names=None):
    """Rows of ``show user``: the user records (no associations)."""
    set_names = [k for k in (allowed_attributes(USER) if set_names is None else set_names)
                 if ATTRIBUTES[k].scope == ENTITY_SCOPE]
    fields = ['User'] + [ATTRIBUTES[k].show for k in set_names]
    rows = client.show('user', ['name=%s' % name] if name else [], fields)
    if name:
        rows = [r for r in rows if _same_name(r['User'], name)]
    return rows


def read_user_assocs(client, name=None, account=None, cluster=None, set_names=None):
    """Rows of ``show association`` for user associations (not partitions)."""
    set_names = [k for k in (allowed_attributes(USER) if set_names is None else set_names)
                 if ATTRIBUTES[k].scope == ASSOC_SCOPE]
    fields = ['Cluster', 'Account', 'User', 'Partition'] + [ATTRIBUTES[k].show for k in set_names]
    conds = []
    if name:
        conds.append('user=%s' % name)
    if account:
        conds.append('account=%s' % account)
    if cluster:
        conds.append('cluster=%s' % cluster)
    rows = client.show('association', conds, fields)
    rows = [r for r in rows if r['User'] and not r['Partition']]
    if name:
        rows = [r for r in rows if _same_name(r['User'], name)]
    if account:
        rows = [r for r in rows if _same_name(r['Account'], account)]
    if cluster:
        rows = [r for r in rows if _same_name(r['Cluster'], cluster)]
    return rows


def info_records(client, entity, name=None, cluster=None, account=None):
    """Records for slurm_sacctmgr_info: dicts keyed by set-names."""
    records = []
    if entity == QOS:
        set_names = allowed_attributes(QOS)
        for row in read_qos(client, name, set_names):
            rec = OrderedDict([('Name', row['Name'])])
            rec.update(row_to_display(row, set_names))
            records.append(rec)
    elif entity == ACCOUNT:
        set_names = allowed_attributes(ACCOUNT)
        for row in read_accounts(client, name, cluster, set_names):
            rec = OrderedDict([('Name', row['Account']), ('Cluster', row['Cluster'] or None)])
            rec.update(row_to_display(row, set_names))
            records.append(rec)
    else:
        user_names = [k for k in allowed_attributes(USER) if ATTRIBUTES[k].scope == ENTITY_SCOPE]
        assoc_names = [k for k in allowed_attributes(USER) if ATTRIBUTES[k].scope == ASSOC_SCOPE]
        users = OrderedDict()
        for row in read_users(client, name, user_names):
            users[row['User'].lower()] = row_to_display(row, user_names)
        assocs = read_user_assocs(client, name, account, cluster, assoc_names)
        seen = set()
        for row in assocs:
            key = row['User'].lower()
            seen.add(key)
            rec = OrderedDict([('Name', row['User']), ('Account', row['Account']),
                               ('Cluster', row['Cluster'])])
            rec.update(users.get(key) or OrderedDict((k, None) for k in user_names))
            rec.update(row_to_display(row, assoc_names))
            records.append(rec)
        if not account and not cluster:
            for key, values in users.items():
                if key in seen:
                    continue
                rec = OrderedDict([('Name', key), ('Account', None), ('Cluster', None)])
                rec.update(values)
                rec.update(OrderedDict((k, None) for k in assoc_names))
                records.append(rec)
    return records


# --------------------------------------------------------------------------
# Planning and applying changes

def validate_params(params):
    entity = params.get('entity')
    if entity not in ENTITIES:
        raise SacctmgrError('entity must be one of %s, got %r' % (', '.join(ENTITIES), entity))
    if not params.get('name'):
        raise SacctmgrError('name must not be empty')
    if entity == USER and not params.get('account'):
        raise SacctmgrError('account is required when entity=user')


def _args(wanted, current=None, only=None):
    out = []
    for key, value in wanted.items():
        if only is not None and key not in only:
            continue
        cur = (current or {}).get(key)
        out.append('%s=%s' % (key, to_arg(key, value, cur)))
    return out


def _create_args(wanted):
    """Attribute args for ``add``: leave out values that would only clear."""
    out = []
    for key, value in wanted.items():
        kind = ATTRIBUTES[key].kind
        if value is None or (kind == TEXT and value == ''):
            continue
        out.append('%s=%s' % (key, to_arg(key, value, None)))
    return out


def _changed_keys(wanted, current):
    return [k for k in wanted if not values_equal(k, wanted[k], current.get(k))]


def _display_dict(values):
    return OrderedDict((k, display(k, v)) for k, v in values.items())


def _after(wanted, current):
    """Display dict of the end state: current spelling where already equal."""
    out = OrderedDict()
    for key, value in wanted.items():
        cur = current.get(key)
        out[key] = display(key, cur if values_equal(key, value, cur) else value)
    return out


def _split_scope(entity, wanted):
    ent = OrderedDict((k, v) for k, v in wanted.items() if attribute_scope(entity, k) == ENTITY_SCOPE)
    assoc = OrderedDict((k, v) for k, v in wanted.items() if attribute_scope(entity, k) == ASSOC_SCOPE)
    return ent, assoc


def plan(params, client):
    """Work out which sacctmgr writes bring the entity to the wanted state.

    Returns a dict with ``commands`` (argument lists, without the binary),
    ``before`` and ``after``: ``state`` (present/absent) followed by the
    display values of the managed attributes (none when the entity or
    association does not exist on that side).
    """
    validate_params(params)
    entity = params['entity']
    name = params['name']
    cluster = params.get('cluster')
    account = params.get('account')
    state = params.get('state') or 'present'
    wanted = normalize_attributes(entity, params.get('attributes'))
    set_names = list(wanted)

    if entity == QOS:
        return _plan_qos(client, name, state, wanted, set_names)
    if entity == ACCOUNT:
        return _plan_account(client, name, cluster, state, wanted, set_names)
    return _plan_user(client, name, account, cluster, state, wanted, set_names)


def _result(commands, existed, exists_after, before=None, after=None):
    """Plan result; the diff sides carry ``state`` so creation and deletion show."""
    diff_before = OrderedDict([('state', 'present' if existed else 'absent')])
    diff_before.update(before or ())
    diff_after = OrderedDict([('state', 'present' if exists_after else 'absent')])
    diff_after.update(after or ())
    return dict(commands=commands, before=diff_before, after=diff_after)


def _plan_qos(client, name, state, wanted, set_names):
    rows = read_qos(client, name, set_names)
    commands = []
    if not rows:
        if state == 'absent':
            return _result([], False, False)
        commands.append(['-i', 'add', 'qos', name] + _create_args(wanted))
        return _result(commands, False, True, after=_display_dict(wanted))
    current = row_to_canonical(rows[0], set_names)
    if state == 'absent':
        commands.append(['-i', 'delete', 'qos', 'where', 'name=%s' % name])
        return _result(commands, True, False, before=_display_dict(current))
    changed = _changed_keys(wanted, current)
    if changed:
        commands.append(['-i', 'modify', 'qos', 'where', 'name=%s' % name, 'set']
                        + _args(wanted, current, changed))
    return _result(commands, True, True, _display_dict(current), _after(wanted, current))


def _pick_current(rows, wanted, set_names):
    """Canonical values of the first association that differs (else the first)."""
    canon = [row_to_canonical(r, set_names) for r in rows]
    for current in canon:
        if _changed_keys(wanted, current):
            return current, True
    return canon[0], False


def _plan_account(client, name, cluster, state, wanted, set_names):
    rows = read_accounts(client, name, cluster, set_names)
    ent_wanted, assoc_wanted = _split_scope(ACCOUNT, wanted)
    assoc_rows = [r for r in rows if r['Cluster']]
    cluster_cond = ['cluster=%s' % cluster] if cluster else []
    commands = []

    if state == 'absent':
        if cluster:
            if not assoc_rows:
                return _result([], False, False)
            before_row = assoc_rows[0]
        else:
            if not rows:
                return _result([], False, False)
            before_row = rows[0]
        commands.append(['-i', 'delete', 'account', 'where', 'name=%s' % name] + cluster_cond)
        before = _display_dict(row_to_canonical(before_row, set_names))
        return _result(commands, True, False, before=before)

    if not rows or not assoc_rows:
        add_attrs = wanted if not rows else assoc_wanted
        commands.append(['-i', 'add', 'account', name] + cluster_cond + _create_args(add_attrs))
        if rows:
            # the account exists, only the association is new
            current = row_to_canonical(rows[0], list(ent_wanted))
            changed = _changed_keys(ent_wanted, current)
            if changed:
                commands.append(['-i', 'modify', 'account', 'where', 'name=%s' % name, 'set']
                                + _args(ent_wanted, current, changed))
        return _result(commands, False, True, after=_display_dict(wanted))

    current, _ = _pick_current(assoc_rows, wanted, set_names)
    changed = set(_changed_keys(wanted, current))
    ent_changed = [k for k in ent_wanted if k in changed]
    assoc_changed = [k for k in assoc_wanted if k in changed]
    if ent_changed:
        commands.append(['-i', 'modify', 'account', 'where', 'name=%s' % name, 'set']
                        + _args(ent_wanted, current, ent_changed))
    if assoc_changed:
        commands.append(['-i', 'modify', 'account', 'where', 'name=%s' % name] + cluster_cond
                        + ['set'] + _args(assoc_wanted, current, assoc_changed))
    return _result(commands, True, True, _display_dict(current), _after(wanted, current))


def _plan_user(client, name, account, cluster, state, wanted, set_names):
    ent_wanted, assoc_wanted = _split_scope(USER, wanted)
    users = read_users(client, name, list(ent_wanted))
    assoc_rows = read_user_assocs(client, name, account, cluster, list(assoc_wanted))
    cluster_cond = ['cluster=%s' % cluster] if cluster else []
    where_assoc = ['where', 'name=%s' % name, 'account=%s' % account] + cluster_cond
    commands = []

    ent_current = row_to_canonical(users[0], list(ent_wanted)) if users else None

    if state == 'absent':
        if not assoc_rows:
            return _result([], False, False)
        before = OrderedDict(ent_current or ())
        before.update(row_to_canonical(assoc_rows[0], list(assoc_wanted)))
        commands.append(['-i', 'delete', 'user'] + where_assoc)
        return _result(commands, True, False, before=_display_dict(before))

    if not assoc_rows:
        add_attrs = wanted if not users else assoc_wanted
        commands.append(['-i', 'add', 'user', name, 'account=%s' % account] + cluster_cond
                        + _create_args(add_attrs))
        if users:
            changed = _changed_keys(ent_wanted, ent_current)
            if changed:
                commands.append(['-i', 'modify', 'user', 'where', 'name=%s' % name, 'set']
                                + _args(ent_wanted, ent_current, changed))
        return _result(commands, False, True, after=_display_dict(wanted))

    assoc_current, _ = _pick_current(assoc_rows, assoc_wanted, list(assoc_wanted))
    current = OrderedDict(ent_current or ())
    current.update(assoc_current)
    ent_changed = _changed_keys(ent_wanted, ent_current or {})
    assoc_changed = _changed_keys(assoc_wanted, assoc_current)
    if ent_changed:
        commands.append(['-i', 'modify', 'user', 'where', 'name=%s' % name, 'set']
                        + _args(ent_wanted, current, ent_changed))
    if assoc_changed:
        commands.append(['-i', 'modify', 'user'] + where_assoc + ['set']
                        + _args(assoc_wanted, current, assoc_changed))
    ordered_current = OrderedDict((k, current.get(k)) for k in wanted)
    return _result(commands, True, True,
                   _display_dict(ordered_current), _after(wanted, ordered_current))


def ensure(params, runner, check_mode=False):
    """Plan and (unless ``check_mode``) apply.  Returns the module result."""
    client = Sacctmgr(runner)
    result = plan(params, client)
    commands = result['commands']
    if not check_mode:
        for args in commands:
            client.run(args)
    before, after = result['before'], result['after']
    return dict(
        changed=bool(commands),
        commands=[['sacctmgr'] + list(c) for c in commands],
        diff=dict(before=dict(before), after=dict(after)),
    )
