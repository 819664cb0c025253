"""The roster blueprint: routes live in import_views, export_views, staff_views, rollover_views."""

from flask import Blueprint

bp = Blueprint("roster", __name__)
