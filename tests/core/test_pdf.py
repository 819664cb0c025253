"""The PDF renderer reads only the app's own static files: no network, no other file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridapp.core.pdf import render, static_only_fetcher


def test_the_fetcher_refuses_everything_but_static_files(app):
    static = Path(app.static_folder)
    fetcher = static_only_fetcher(static)
    for url in (
        "http://127.0.0.1:1/x.png",
        "https://example.com/a.css",
        "file:///etc/passwd",
        (static / ".." / "wsgi.py").resolve().as_uri(),
        "ftp://example.com/x",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    css = next(static.glob("css/*.css"))
    fetcher.fetch(css.as_uri())  # allowed


def test_a_document_with_an_outside_image_still_renders_without_fetching_it(app):
    with app.app_context():
        pdf = render(
            '<p>王小明</p><img src="http://127.0.0.1:1/track.png"><img src="file:///etc/hostname">'
        )
    assert pdf.startswith(b"%PDF")
