"""The one extension seam: a domain adds to what another (lower) domain or a base module shows or does by
registering with one of the slots below, never by being imported from it. One style everywhere:

    from .. import seams
    seams.register(seams.UNIT_PAGE, seams.Panel("members/_unit_panel.html", unit_panel, order=10))

Registration happens when the domain's package is imported (its __init__.py), once per process; registering an
item with the same key again replaces it. Readers ask `items(slot)` (sorted by `order`) or `one(slot)`.

Slot              read by                                    item
UNIT_PAGE         the unit page (the home page is one)       Panel: context(unit, user) → dict, or None to hide
PERSON_PAGE       the person page (members)                  Panel: context(person, user) → dict, or None to hide
YEAR_REPORT       the yearly report page (year)              Panel: context(unit, user) → dict, or None to hide;
                                                             the template also reads the page's `unit` and `year`
PEOPLE_FILTERS    the people list, its links and exports     ListFilter: a select of the list's filter form
PEOPLE_EXPORT     the people list's XLSX / CSV               ExportColumns: headers, the SQL they read, the cells
REMOVAL_GROUNDS   the removal proposals (members)            function () → SQL condition on Person (any one proposes)
PEOPLE_WRITTEN    bulk writes the ORM does not see (import)  function (unit_path=…) called after the rows are flushed
GRANTS            access: who holds which role where         one function (user) → [(role, unit_id, unit_path)]
AUDIT_LOG         the audit log page                         AuditLog: the account-side reads the log needs
LABELS            the audit log and the conflict page        Labels: field names and value labels of a domain

A context function runs a fixed number of SQL statements, whatever the size of the subtree or record.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Slot:
    def __init__(self, name, single=False):
        self.name, self.single = name, single
        self._items = {}  # key → item, in registration order

    def __repr__(self):
        return f"<seam {self.name}: {len(self._items)}>"


UNIT_PAGE = Slot("unit page")
PERSON_PAGE = Slot("person page")
YEAR_REPORT = Slot("year report")
PEOPLE_FILTERS = Slot("people filters")
PEOPLE_EXPORT = Slot("people export")
REMOVAL_GROUNDS = Slot("removal grounds")
PEOPLE_WRITTEN = Slot("people written")
GRANTS = Slot("grants", single=True)
AUDIT_LOG = Slot("audit log", single=True)
LABELS = Slot("labels")


@dataclass(frozen=True)
class Panel:
    """A section of a page another domain owns. The template reads its dict as `panel` (and the page's context);
    context None: the template reads the page's context only."""
    template: str
    context: Callable[..., dict | None] | None = None
    order: int = 50

    @property
    def key(self):
        return self.template


@dataclass(frozen=True)
class ListFilter:
    """One more select in the people list's filters: ?<name>=<one of choices>; anything else is ignored.
    apply(stmt, value) narrows a select(Person)."""
    name: str
    label: Any
    choices: dict
    apply: Callable
    blank: Any = "—"  # the label of the "no filter" option
    order: int = 50

    @property
    def key(self):
        return self.name


@dataclass(frozen=True)
class ExportColumns:
    """Columns added at the end of the people export. extend(stmt) adds (outer joins and) the SQL columns it reads to
    the export's select and returns (stmt, how many it added); cells(values) turns those values into one cell per
    header. headers: ((label, width, kind), …) with kind "text", "int" or "date"."""
    name: str
    headers: tuple
    extend: Callable
    cells: Callable
    order: int = 50

    @property
    def key(self):
        return self.name


@dataclass(frozen=True)
class AuditLog:
    """What the audit log needs to know about accounts: visible(user) → SQL condition on AuditEntry for the entries an
    admin reads beyond their units' subtrees; by_account(text) → SQL condition on AuditEntry "done by an account whose
    name contains text"; unit_names(ids) → {unit id: name} (one statement)."""
    visible: Callable
    by_account: Callable
    unit_names: Callable
    key = "audit log"


@dataclass(frozen=True)
class Labels:
    """fields: {field: label}; values: {field: {code: label}}; any_values: {code: label} for any field."""
    name: str
    fields: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    any_values: dict = field(default_factory=dict)

    @property
    def key(self):
        return self.name


_version = [0]


def _key(item):
    key = getattr(item, "key", None)
    if key is None:
        key = f"{getattr(item, '__module__', '')}.{getattr(item, '__qualname__', repr(item))}"
    return key


def register(slot, item):
    """Add `item` to `slot` (an item with the same key replaces the old one)."""
    if slot.single and slot._items and _key(item) not in slot._items:
        raise ValueError(f"seam {slot.name} takes one item; {next(iter(slot._items))} is registered")
    slot._items[_key(item)] = item
    _version[0] += 1


def items(slot):
    """The slot's items, by `order` (then registration order)."""
    return sorted(slot._items.values(), key=lambda i: getattr(i, "order", 50))


def one(slot):
    """The slot's one item; LookupError when no domain registered it (the domain's package was not imported)."""
    if not slot._items:
        raise LookupError(f"nothing registered with seam {slot.name}")
    return next(iter(slot._items.values()))


def version():
    """Changes whenever something is registered: readers that merge items may cache on it."""
    return _version[0]


def panels(slot, obj, user):
    """[(template, dict)] of the slot's panels that show for this object and user."""
    out = []
    for panel in items(slot):
        ctx = {} if panel.context is None else panel.context(obj, user)
        if ctx is not None:
            out.append((panel.template, ctx))
    return out
