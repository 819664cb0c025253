"""The reports blueprint with all its routes loaded (what the app registers)."""

from gridapp.reports import (  # noqa: F401  (each module adds its routes to bp)
    audit_views,
    coverage_views,
    dashboard_views,
    focus_views,
    home_views,
    pairing_views,
    school_views,
    teacher_year_views,
)
from gridapp.reports.blueprint import bp

__all__ = ["bp"]
