"""A form with an error is shown again with what the user typed, and its address reloads."""

from __future__ import annotations


def assert_shown_again(client, url: str, data: dict, typed: list[str], status: int = 422):
    """POST `data` to `url`: the answer is `status` with every `typed` value in the page, and a
    GET of the same URL (a reload) is neither 405 nor an error."""
    r = client.post(url, data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == status, (url, r.status_code, html[:2000])
    for value in typed:
        assert value in html, (url, value)
    assert 'class="error"' in html or "flash-error" in html, url
    reload = client.get(url)
    assert reload.status_code in (200, 303), (url, reload.status_code)
    return html
