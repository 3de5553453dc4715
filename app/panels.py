"""Unit-page panels: each domain adds its own section to a unit's page without editing the units domain.

register_unit_panel("members/_unit_panel.html", context_fn, order=10)
context_fn(unit, user) returns a dict for the template, or None to hide the panel.
The function must run a fixed number of SQL statements whatever the subtree's size.
"""
_PANELS = []


def register_unit_panel(template, context_fn, order=50):
    if any(t == template for _, t, _ in _PANELS):
        return
    _PANELS.append((order, template, context_fn))
    _PANELS.sort(key=lambda p: p[0])


def unit_panels(unit, user):
    out = []
    for _, template, fn in _PANELS:
        ctx = fn(unit, user)
        if ctx is not None:
            out.append((template, ctx))
    return out
