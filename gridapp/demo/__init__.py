"""The demo district (`flask demo-data`, the benchmark and the browser tests): schools, people and
a semester's history of every feature. It sits at the top beside the CLI and builds through each
domain's public services, except where thousands of plain rows (students, contacts, log entries)
are inserted in bulk for speed.

- district.py: the district, schools, calendars, staff, classes, students and families;
- contacts.py, grids.py, reception.py, pairing.py: each feature's history in those schools;
- bulk.py (with bulk_writer.py, bulk_people.py, bulk_contacts.py, bulk_extras.py): the same kind
  of district at scale (`flask demo-data --scale school|county|district`), written in bulk with
  SQLAlchemy Core for benchmarks.
"""

from gridapp.demo.district import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoRefused,
    DemoResult,
    build,
    check_may_load,
    has_demo,
)

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "DemoRefused",
    "DemoResult",
    "build",
    "check_may_load",
    "has_demo",
]
