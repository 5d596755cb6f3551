"""Configuration read from the environment (12-factor style, like flaskr's instance config)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, env_name: str) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env_name == "production":
        raise RuntimeError("SECRET_KEY must be set when CFC_ENV=production")
    # Development: keep one random key in the instance folder so sessions survive restarts.
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    return key


def from_env(instance_path: Path) -> dict:
    env_name = os.environ.get("CFC_ENV", "development")
    default_db = f"sqlite:///{instance_path / 'cfc.sqlite3'}"
    return {
        "ENV_NAME": env_name,
        "SECRET_KEY": _secret_key(instance_path, env_name),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_db,
        "CRITERIA_DIR": os.environ.get("CFC_CRITERIA_DIR") or str(PROJECT_ROOT / "criteria"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), env_name == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # a form filled slowly on a bad connection must still save
        "LOGIN_MAX_ATTEMPTS": int(os.environ.get("CFC_LOGIN_MAX_ATTEMPTS", "5")),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("CFC_LOGIN_WINDOW_SECONDS", "900")),
        "LOGIN_ACCOUNT_SOFT_LIMIT": int(os.environ.get("CFC_LOGIN_ACCOUNT_SOFT_LIMIT", "20")),
        "LOGIN_ADDRESS_MAX": int(os.environ.get("CFC_LOGIN_ADDRESS_MAX", "100")),
        "MAX_CONTENT_LENGTH": 256 * 1024,
        # Rendered PDFs kept in the database (webform/pdfcache.py), all of them together at most this size.
        "PDF_CACHE_MB": float(os.environ.get("CFC_PDF_CACHE_MB", "256")),
        # The proposal file is rendered in the background as soon as the team verifies (webform/documents.py).
        "PDF_RENDER_AHEAD": _bool(os.environ.get("CFC_PDF_RENDER_AHEAD"), True),
        # Warm processes per app process that render a proposal's documents at once (reports/pool.py);
        # 0 (the default): render in the requesting process. Opt-in, because with one web worker per core the
        # pool's processes compete with the workers: on 2 cores the web bench's p95 went from about 150 ms to
        # about 570 ms with it (`make bench`), for a first proposal only about a fifth faster.
        "PDF_PROCS": int(os.environ.get("CFC_PDF_PROCS") or 0),
    }
