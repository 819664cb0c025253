"""Cached and rebuilt URLs are the URLs url_for gives."""

import pytest
from flask import request, url_for

from gridapp.core.urls import cached_url, layout_urls, url_set, url_with


@pytest.mark.parametrize(
    "query",
    ["", "?q=三年级 2班&page=3", "?page=2&met=1", "?q=a%26b%3D1&x=%E2%9C%93", "?class_id=9&_x=1"],
)
def test_url_with_is_url_for_with_the_changed_arguments(app, query):
    with app.test_request_context("/classes/7" + query):
        assert request.view_args == {"class_id": 7}
        args = {k: v for k, v in request.args.items() if k != "class_id" and not k.startswith("_")}
        assert url_with(page=5) == url_for("classes.class_page", class_id=7, **{**args, "page": 5})
        assert url_with(page=None) == url_for("classes.class_page", class_id=7, **args)


def test_an_application_under_a_prefix_keeps_it(app):
    with app.test_request_context("/classes/7", base_url="http://h/gridapp"):
        assert url_with(page=2) == "/gridapp/classes/7?page=2"
        assert cached_url("classes.class_page", class_id=7) == "/gridapp/classes/7"
        assert layout_urls().home == "/gridapp/"
    with app.test_request_context("/classes/7"):
        assert layout_urls().home == "/"
        assert cached_url("classes.class_page", class_id=7) == "/classes/7"


def test_a_url_set_is_url_for_for_each_link_under_any_prefix(app):
    links = url_set("Links", page="classes.class_page", grids="grids.class_grids")
    with app.test_request_context("/classes/7", base_url="http://h/gridapp"):
        assert links(class_id=7) == (
            url_for("classes.class_page", class_id=7),
            url_for("grids.class_grids", class_id=7),
        )
        assert links(class_id=7).grids == "/gridapp/classes/7/grids"
    with app.test_request_context("/classes/7"):
        assert links(class_id=7).page == "/classes/7"
        assert links(class_id=8).page == "/classes/8"
