"""Small web conventions: gzip, long-cached versioned static files, a favicon, /login."""

from __future__ import annotations

import gzip
import re

from flask.testing import FlaskClient


def test_pages_are_gzipped_when_the_browser_accepts_it(officer: FlaskClient):
    plain = officer.get("/assessment/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    form_url = re.search(r'href="(/assessment/\d+)"', plain.get_data(as_text=True)).group(1)
    big = officer.get(form_url)
    zipped = officer.get(form_url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    body = gzip.decompress(zipped.data)

    def page(data: bytes) -> bytes:  # the CSRF token is new on every request
        return re.sub(rb'name="csrf_token" value="[^"]*"', b"", data)

    assert page(body) == page(big.data)  # the same page, only smaller
    assert len(zipped.data) * 4 < len(body)


def test_static_urls_carry_a_version_and_are_cached_for_a_year(client: FlaskClient):
    page = client.get("/auth/login").get_data(as_text=True)
    css = re.search(r'href="(/static/style\.css\?v=[0-9a-f]{10})"', page).group(1)
    r = client.get(css)
    assert r.status_code == 200
    assert "max-age=31536000" in r.headers["Cache-Control"] and "immutable" in r.headers["Cache-Control"]
    # A stale or missing version is not cached for long: the browser revalidates.
    stale = client.get("/static/style.css?v=0000000000")
    assert "no-cache" in stale.headers["Cache-Control"]
    assert "no-cache" in client.get("/static/style.css").headers["Cache-Control"]


def test_favicon_answers(client: FlaskClient):
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.mimetype == "image/x-icon"
    assert r.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/auth/login").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/favicon\.ico\?v=', page)


def test_login_answers_at_the_short_address(client: FlaskClient):
    r = client.get("/login?next=/review/")
    assert r.status_code == 301
    assert r.headers["Location"].endswith("/auth/login?next=/review/")
    assert client.get("/login", follow_redirects=True).status_code == 200
