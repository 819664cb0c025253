"""The one PDF renderer: WeasyPrint with Chinese fonts from Debian's packages, and a URL fetcher
that reads only the app's own static files (never the network, never another file).

WeasyPrint is imported on the first PDF, not with the app: it is 0.4 s of every process's start
(each gunicorn worker, each `flask` command, each consumer), and most never render a PDF."""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """Fetches `file://` URLs inside the static folder, and `data:` URLs; refuses the
        rest."""

        def __init__(self, static_root: Path):
            super().__init__(allowed_protocols=("data", "file"))
            self.static_root = static_root.resolve()

        def fetch(self, url: str, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_relative_to(self.static_root) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"refused: {url[:80]}")

    return StaticOnlyFetcher


def static_only_fetcher(static_root: Path):
    """WeasyPrint's URL fetcher for `static_root`: `file://` URLs inside it and `data:` URLs;
    anything else raises ValueError."""
    return _fetcher_class()(static_root)


def render(html: str) -> bytes:
    """The PDF of an HTML document (Jinja-rendered by the caller)."""
    from weasyprint import HTML

    static = Path(current_app.static_folder)
    return HTML(
        string=html,
        base_url=static.as_uri() + "/",
        url_fetcher=static_only_fetcher(static),
    ).write_pdf()
