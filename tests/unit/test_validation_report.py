"""The report every role's checks fail with (plugins/filter/validation_report.py)."""

from _filters import load_filter

report = load_filter("validation_report")


def test_one_line_per_problem_after_a_counted_header():
    assert report.validation_report(["a is wrong.", "b is missing."], "Slurm") == (
        "The inventory has 2 problem(s) with its Slurm settings; no host was changed:\n"
        "- a is wrong.\n"
        "- b is missing.")


def test_filter_is_registered():
    assert report.FilterModule().filters() == {"validation_report": report.validation_report}
