"""Small web conventions: compressed responses, long-cached versioned static files, a favicon, /login.

Rural connections are slow: the form's HTML shrinks about sixfold with gzip (level 1), and a static file whose
URL carries its content hash (`?v=...`) is cached for a year, so a changed file is fetched again at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, redirect, request, send_from_directory, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from itsdangerous import URLSafeTimedSerializer

compress = Compress()
YEAR = 365 * 24 * 3600
MAX_URLS = 4096  # addresses a page builds: a few dozen per record shown recently


def _static_version(app: Flask, filename: str) -> str | None:
    """A short hash of the static file's content (cached per process; None if there is no such file)."""
    cache: dict[str, str | None] = app.extensions.setdefault("cfc_static_versions", {})
    if filename not in cache or app.debug:
        path = Path(app.static_folder or "") / filename
        try:
            cache[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        except OSError:
            cache[filename] = None
    return cache[filename]


def init_app(app: Flask) -> None:
    # gzip only: every browser speaks it, and it keeps the CPU cost of each page low on a small server.
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    # Level 1 (nginx's default too): the form's 52 KB become 8.4 KB in 0.4 ms, against 7.2 KB in 1.2 ms at
    # level 6; on the busiest day that millisecond is about a tenth of a page's CPU.
    app.config.setdefault("COMPRESS_LEVEL", 1)
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress.init_app(app)
    app.jinja_env.globals["url_for"] = remembered_url_for(app)
    app.session_interface = CookieSessions()

    @app.url_defaults
    def _version_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = _static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _static_cache(response: Any) -> Any:
        if request.endpoint == "static" and response.status_code == 200:
            filename = (request.view_args or {}).get("filename", "")
            if request.args.get("v") and request.args["v"] == _static_version(app, filename):
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
            else:
                # An unversioned (or stale) URL: the browser asks again, the ETag spares the download.
                response.cache_control.no_cache = True
        return response

    @app.route("/favicon.ico")
    def favicon() -> Any:
        response = send_from_directory(app.static_folder or "", "favicon.ico", mimetype="image/x-icon")
        response.cache_control.public = True
        response.cache_control.max_age = 7 * 24 * 3600
        return response

    @app.route("/login")
    def login_alias() -> Any:
        # The address officers type from memory; the form lives in the auth blueprint.
        query: dict[str, Any] = request.args.to_dict()
        return redirect(url_for("auth.login", **query), code=301)


def remembered_url_for(app: Flask) -> Callable[..., str]:
    """`url_for` for templates, each address built once per process: a page builds a dozen or more, each
    through Werkzeug's URL map and the url_defaults (about 20 µs apiece). An address depends only on the
    endpoint, its arguments (plain strings and integers here), the app's URL map and the script root the
    app is mounted at, none of which a request or another process can change (static files' versions are
    their content hashes). Anything else (a relative endpoint, _external, _anchor..., debug mode where
    static files are hashed again as they are edited) goes to Flask's own url_for."""
    cache: OrderedDict[tuple[Any, ...], str] = OrderedDict()
    lock = threading.Lock()

    def remembered(endpoint: str, **values: Any) -> str:
        if app.debug or endpoint[:1] == "." or not has_request_context() or any(
                k[:1] == "_" or type(v) not in (str, int) for k, v in values.items()):
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *sorted((k, type(v), v) for k, v in values.items()))
        with lock:
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
                return found
        built = url_for(endpoint, **values)
        with lock:
            cache[key] = built
            while len(cache) > MAX_URLS:
                cache.popitem(last=False)
        return built

    return remembered


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, unchanged, with their serializer built once per set of keys instead of
    twice per request (reading and writing the cookie): building one serializes an empty dict to test the
    serializer's type. The serializer holds only the keys and settings; it is rebuilt whenever the secret
    key or its fallbacks change."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        key = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(key)
        if found is None:
            found = super().get_signing_serializer(app)
            if found is None:
                return None
            if len(self._serializers) > 8:  # keys changed in place again and again (tests): start over
                self._serializers.clear()
            self._serializers[key] = found
        return found
