"""The reports blueprint; its routes are in the *_views modules (gridapp.reports.views loads them)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
