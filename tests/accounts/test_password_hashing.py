"""Production hashes passwords with scrypt; the tests' cheap method is the tests' alone."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from gridapp.accounts.models import User, password_hash_method
from gridapp.config import Config, TestConfig


def test_production_hashes_with_scrypt(app):
    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    assert password_hash_method() == "scrypt"  # outside an app: the production default
    with app.app_context():
        app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
        try:
            user = User(username="hash_check")
            user.set_password("s3cret-pass")
        finally:
            app.config["PASSWORD_HASH_METHOD"] = TestConfig.PASSWORD_HASH_METHOD
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("s3cret-pass")
    assert not user.check_password("s3cret-pasS")


def test_hashes_made_by_the_tests_method_still_verify(app):
    with app.app_context():
        user = User(username="hash_check")
        user.set_password("s3cret-pass")
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    assert check_password_hash(user.password_hash, "s3cret-pass")
