"""The form of one row of the class's review page: a student's review text and levels."""

from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from gridapp.core.forms import Form, id_field, no_control_chars, strip
from gridapp.reviews.models import ASPECTS


class ReviewRowForm(Form):
    """A student's academic review by this teacher: text, and a level per aspect (`level_<a>`,
    added below; the service checks the levels and says what is missing)."""

    student_id = id_field()
    text = TextAreaField("", [Optional(), Length(max=5000), no_control_chars], filters=[strip])

    def chosen_levels(self) -> dict[str, str]:
        """The levels as the service takes them: aspect → "A".."D" or ""."""
        return {a: self[f"level_{a}"].data or "" for a in ASPECTS}


for _aspect in ASPECTS:
    setattr(ReviewRowForm, f"level_{_aspect}", StringField("", [Optional(), Length(max=8)]))
