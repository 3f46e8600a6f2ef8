"""One message for a failed check of the first play: a count, the concern,
the promise that no host was changed, and one line per problem.

``errors | hpc.datasci.validation_report('Slurm')`` is the ``fail_msg`` of
every role's ``validate`` entry point; the problems themselves come from that
concern's ``*_validation.py`` filter.
"""

from __future__ import annotations


def validation_report(errors, concern):
    """The report of `errors` (a list of sentences) about `concern`'s settings."""
    lines = [f"The inventory has {len(errors)} problem(s) with its {concern} settings; no host was changed:"]
    lines.extend(f"- {error}" for error in errors)
    return "\n".join(lines)


class FilterModule:
    """The report shared by every concern's checks."""

    def filters(self):
        return {"validation_report": validation_report}
