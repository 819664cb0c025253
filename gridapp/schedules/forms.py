"""Forms of the contact schedule: moving an item, adding one by hand, and a trip's shared fields."""

from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from gridapp.accounts.forms import MultiCheckboxField
from gridapp.contacts.models import ContactForm
from gridapp.core.forms import DateField, Form, optional_int
from gridapp.core.i18n import lazy_gettext as _l


class MoveForm(Form):
    """Another week for an item; the service refuses a week outside the semester or a holiday."""

    week = SelectField(_l("调整到"), coerce=optional_int, choices=[], validate_choice=False)


class AddItemForm(Form):
    """One item added by hand to a class's schedule (the choices set by the view; the service
    refuses a teacher not linked to the family, beside the field)."""

    teacher_id = SelectField(_l("教师"), coerce=optional_int, choices=[], validate_choice=False)
    student_id = SelectField(_l("学生"), coerce=optional_int, choices=[], validate_choice=False)
    form = SelectField(_l("联系方式"), choices=ContactForm.choices)
    week = SelectField(_l("周次"), coerce=optional_int, choices=[], validate_choice=False)


class BuildForm(Form):
    """Saving a previewed build (the semester it was previewed for)."""

    semester = HiddenField()


class TripForm(Form):
    """A trip's shared fields, entered once for every family of the group: the day and the
    colleagues who came along (the form is always a door visit)."""

    contact_on = DateField(_l("走访日期"), [InputRequired(_l("请输入有效日期，例如 2026-11-20"))])
    teacher_ids = MultiCheckboxField(_l("同行教师"), coerce=int, choices=[])
