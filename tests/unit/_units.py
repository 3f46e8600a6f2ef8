"""Reading rendered systemd units in the unit tests."""


def service_directives(text):
    """The [Service] settings of a unit's text: {key: [values]}, continuation
    lines joined, comments skipped."""
    settings = {}
    section = None
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("["):
            section = line.strip()
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings
