"""Rosters in and out: importing students, guardians and staff from Excel/CSV with a preview and an
all-or-nothing commit, exporting rosters to Excel, and the school-year rollover.

Roster reads accounts, schools, people and contacts (the rollover's undo looks for the new year's
first contact); the feature packages above it do not read it.
"""
