"""The pairing blueprint: the school leaders' pages (school_views, need_views), the pairing
page and the paired teacher's pages add their routes to it."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from gridapp.accounts.models import User

bp = Blueprint("pairing", __name__)


def _me() -> User:
    return current_user._get_current_object()
