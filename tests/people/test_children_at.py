"""`people.services.children_at`: a parent's children at one school, for the booking form's
choice of child (one query instead of the children with their guardians)."""

from __future__ import annotations

from gridapp.accounts.models import User
from gridapp.people.models import Student
from gridapp.people.services import children_at
from gridapp.schools.models import SchoolClass


def test_a_parent_sees_only_their_children_at_that_school(ctx, world):
    parent = ctx.get(User, world.parent)
    student, sibling = ctx.get(Student, world.student), ctx.get(Student, world.sibling)
    assert children_at(parent, student.school_id) == [
        (student.id, "王小明", ctx.get(SchoolClass, student.class_id).name)
    ]
    assert children_at(parent, sibling.school_id) == [
        (sibling.id, "王小红", ctx.get(SchoolClass, sibling.class_id).name)
    ]
    assert children_at(ctx.get(User, world.other_parent), sibling.school_id) == []
    assert children_at(ctx.get(User, world.principal), student.school_id) == []
