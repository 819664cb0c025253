"""The one PDF renderer: WeasyPrint with Chinese fonts from Debian's packages, and a URL fetcher
that reads only the app's own static files (never the network, never another file)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class StaticOnlyFetcher(URLFetcher):
    """Fetches `file://` URLs inside the static folder, and `data:` URLs; refuses the rest."""

    def __init__(self, static_root: Path):
        super().__init__(allowed_protocols=("data", "file"))
        self.static_root = static_root.resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file://"):
            path = Path(unquote(urlparse(url).path)).resolve()
            if path.is_relative_to(self.static_root) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"refused: {url[:80]}")


def render(html: str) -> bytes:
    """The PDF of an HTML document (Jinja-rendered by the caller)."""
    static = Path(current_app.static_folder)
    return HTML(
        string=html,
        base_url=static.as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(static),
    ).write_pdf()
