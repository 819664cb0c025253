"""A teacher's classes and the class page with its roster (the bench's hot path: three queries
for a head teacher, and a fourth for the figures other packages keep under the school's
generation)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from gridapp.accounts.models import Role
from gridapp.core.forms import form_status
from gridapp.core.htmx import page_or_fragment
from gridapp.core.pagination import paginate_rows, str_arg
from gridapp.core.permissions import Need, can, real_user, require
from gridapp.core.urls import url_set
from gridapp.people.activation import may_issue_letters
from gridapp.people.services import class_roster_query, class_sizes
from gridapp.schools.models import SchoolClass
from gridapp.schools.permissions import (
    class_staff,
    is_school_leader,
    load_class,
    sees_sensitive_in_loaded_class,
)
from gridapp.schools.services import classes_of_teacher

bp = Blueprint("classes", __name__)

# The class page's own links (each by the class's id), built once per class and process.
class_links = url_set(
    "ClassLinks",
    page="classes.class_page",
    worklist="contacts.class_worklist",
    grids="grids.class_grids",
    reviews="reviews.class_reviews",
    settings="schools.edit_class",
    export="roster.export_class",
    letters="activation.letters",
    new_student="people.new_student",
    dossiers="dossiers.class_dossiers",
    focus="reports.class_focus",
)


# Figures packages above people show on the class page under its heading: `render(user,
# school_class)` returns Markup or None (nothing shown); contacts adds the drowning-prevention
# letter's reach. People never imports them.
_FACTS: list = []


def register_class_fact(render) -> None:
    """Add a figure to every class page: `render(user, school_class)` takes the viewer (a User)
    and the SchoolClass and returns Markup, or None for nothing. Run only for the full page,
    never for the roster's htmx fragment."""
    _FACTS.append(render)


@bp.get("/my/classes")
@login_required
def my_classes():
    require(current_user.has_role(Role.TEACHER))
    classes = classes_of_teacher(current_user)
    sizes = class_sizes([c.id for c, _ in classes])
    return render_template("people/my_classes.html", classes=classes, sizes=sizes)


@bp.get("/classes/<int:class_id>")
@login_required
def class_page(class_id: int, dossier_form=None):
    """The class's students; `dossier_form` is the dossier export form shown again with its
    message (dossiers.class_dossiers)."""
    school_class = load_class(class_id, Need.VIEW, related=("school", "head_teacher"))
    # The roster (names, communities, guardians) is for those who work with the class and those
    # who manage it; a district supervisor sees the class's figures (its dashboard), never its
    # families (DOMAIN: district supervisor; issue 20 item 11).
    user = real_user(current_user)
    require(class_staff(user, school_class) or can(user, Need.MANAGE, school_class))
    search = str_arg("q")
    page = paginate_rows(*class_roster_query(school_class.id, search), per_page=25)
    # Flask-Login's proxy unwrapped once (above): each attribute read through it costs a context
    # lookup, and the page asks five questions about the user here, its template a sixth (bench:
    # the class page's hot path).
    return page_or_fragment(
        "people/class.html",
        "people/_partials/class_students.html",
        status_code=form_status(dossier_form),
        dossier_form=dossier_form,
        school_class=school_class,
        links=class_links(class_id=school_class.id),
        page=page,
        search=search,
        can_open_students=can_open_students(user, school_class),
        can_manage=can(user, Need.MANAGE, school_class),
        can_add_students=is_school_leader(user, school_class.school_id),
        can_view_school=can(user, Need.VIEW, school_class.school),
        can_issue_letters=may_issue_letters(user, school_class),
        # The focus roster holds sensitive categories: the head teacher and the leaders only.
        can_see_focus=sees_sensitive_in_loaded_class(user, school_class),
        # Called by the full page only (the search's fragment does not show them).
        class_facts=lambda: [html for render in _FACTS if (html := render(user, school_class))],
    )


def can_open_students(user, school_class: SchoolClass) -> bool:
    """District supervisors see the class list but not the students' own pages."""
    return class_staff(real_user(user), school_class)
