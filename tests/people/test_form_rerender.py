"""The sensitive record and the class's dossier export: an error shows the page again with the
input, at a reloadable URL."""

from __future__ import annotations

from tests.form_checks import assert_shown_again


def test_sensitive_record_keeps_the_input(client, world, login):
    login(world.head_teacher_name)
    html = assert_shown_again(
        client, f"/students/{world.student}/sensitive/edit",
        {"health": "轻度哮喘", "finances": "", "parents_marriage": "", "psychology": "",
         "id_number": "12345"},
        ["轻度哮喘", "12345", "请输入18位身份证号码"],
    )  # fmt: skip
    assert 'id="id_number-error"' in html


def test_dossier_export_with_no_student_shows_the_class_page_again(client, world, login):
    login(world.head_teacher_name)
    html = assert_shown_again(
        client, f"/classes/{world.class_a1}/dossiers",
        {"student_ids": ["999999"], "format": "pdf", "sensitive": "1"},
        ["没有可以导出的学生"],
    )  # fmt: skip
    assert 'name="format" value="pdf" checked' in html
    assert 'name="sensitive" value="1" checked' in html
