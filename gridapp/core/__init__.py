"""Shared mechanisms with no domain rules: models, permissions, audit, htmx, pdf, time."""
