"""Whole numbers typed into forms: huge ones are an error beside the field, never a 500."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, NumberRange

from gridapp.core.forms import Form, IntegerField


class _Form(Form):
    class Meta:
        csrf = False

    number = IntegerField("班号", [InputRequired(), NumberRange(1, 99)])


@pytest.mark.parametrize("typed", ["9" * 400, "-" + "9" * 40, str(2**31)])
def test_a_huge_number_is_a_field_error(app, typed):
    with app.test_request_context():
        form = _Form(MultiDict({"number": typed}))
        assert not form.validate()
        assert form.number.data is None
        assert "数字超出范围" in form.number.errors


def test_full_width_digits_are_digits(app):
    with app.test_request_context():
        form = _Form(MultiDict({"number": "１２"}))
        assert form.validate()
        assert form.number.data == 12
