"""Session cookie flags: HttpOnly and SameSite=Lax always; Secure over HTTPS."""


def _session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_cookie_flags_over_http(client, world):
    r = client.post("/login", data={"username": "head_teacher", "password": "gridapp-test-1"})
    cookie = _session_cookie(r)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_cookie_is_secure_over_https(client, world):
    r = client.post(
        "/login",
        data={"username": "head_teacher", "password": "gridapp-test-1"},
        base_url="https://localhost",
    )
    assert "Secure" in _session_cookie(r)
