"""The pairing blueprint; its routes live in the *_views.py modules of the package."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from gridapp.accounts.models import User

bp = Blueprint("pairing", __name__)


def _me() -> User:
    return current_user._get_current_object()
