"""`flask --app webform ...` commands: upgrade the database, seed the demo data, import units, create an
account, import a filled spreadsheet template (the same service as the upload page)."""

from __future__ import annotations

import click
from flask import Flask, current_app


def init_app(app: Flask) -> None:
    @app.cli.command("upgrade-db")
    def upgrade_db() -> None:
        """Apply every migration (creates the database on first start)."""
        from .migrate import upgrade

        upgrade(current_app.config["DATABASE_URL"])
        click.echo("Cơ sở dữ liệu đã cập nhật.")

    @app.cli.command("seed-demo")
    def seed_demo_cmd() -> None:
        """Create the Ia H'Drai 2022 demo communes and accounts."""
        from .seed import SeedRefused, print_accounts, seed_demo

        try:
            print_accounts(seed_demo(current_app))
        except SeedRefused as exc:
            raise click.ClickException(str(exc)) from exc

    @app.cli.command("import-units")
    @click.option("--province", "province", default=None, metavar="CODE",
                  help="Mã tỉnh hiện hành (2 chữ số), ví dụ 51 (Tỉnh Quảng Ngãi)")
    @click.option("--all", "all_units", is_flag=True, help="Cả nước: 34 tỉnh, thành phố và 3.321 xã, phường")
    @click.option("--legacy", is_flag=True,
                  help="Thêm đơn vị trước 01/07/2025 (63 tỉnh, huyện, xã cũ) của các tỉnh này "
                       "và ánh xạ cũ → mới")
    def import_units_cmd(province: str | None, all_units: bool, legacy: bool) -> None:
        """Load the official administrative units (idempotent; never deletes a unit)."""
        from .db import get_session, write_lock
        from .unit_import import ImportError_, import_units

        if bool(province) == all_units:
            raise click.UsageError("Chọn một trong hai: --province MÃ hoặc --all.")
        try:
            with write_lock():
                report = import_units(get_session(), province=province, all_units=all_units, legacy=legacy)
        except ImportError_ as exc:
            raise click.ClickException(str(exc)) from exc
        for line in report.lines():
            click.echo(line)

    @app.cli.command("import-sheet")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--period", type=click.IntRange(2000, 2100), required=True, help="Năm đánh giá")
    @click.option("--as", "username", required=True,
                  help="Tài khoản nhập (cán bộ xã hoặc tổ thẩm định): phạm vi và quyền của tài khoản đó")
    def import_sheet(path: str, period: int, username: str) -> None:
        """Store a filled template as drafts, all rows or none, exactly as the upload page does."""
        from pathlib import Path

        from sqlalchemy import select

        from .db import get_session
        from .models import User
        from .services.sheet_import import import_workbook

        session = get_session()
        user = session.scalar(select(User).where(User.username == username.strip().lower(),
                                                 User.active.is_(True)))
        if user is None:
            raise click.ClickException(f"Không có tài khoản đang hoạt động tên {username}.")
        file = Path(path)
        report = import_workbook(session, user, file.read_bytes(), file.name, period)
        for line in report.refused:
            click.echo(line)
        if report.errors:
            from engine.io.sheets import capped

            for e in capped(report.errors):
                click.echo(str(e) if e.row else e.message, err=True)
            raise click.ClickException(f"Chưa lưu gì: tệp có {len(report.errors)} lỗi.")
        click.echo(f"Đã lưu: {len(report.created)} hồ sơ mới, {len(report.updated)} hồ sơ cập nhật, "
                   f"{len(report.unchanged)} không đổi.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["admin", "reviewer", "commune"]), default="admin",
                  show_default=True)
    @click.option("--full-name", default="", help="Họ tên hiển thị")
    @click.option("--unit", "unit_code", default=None,
                  help="Mã đơn vị của tổ thẩm định: tỉnh (2 chữ số) hoặc huyện (3 chữ số, trước 2025)")
    @click.option("--commune-code", default=None, help="Mã xã (cán bộ xã)")
    @click.password_option("--password", help="Mật khẩu (hỏi khi không ghi)")
    def create_user(username: str, role: str, full_name: str, unit_code: str | None,
                    commune_code: str | None, password: str) -> None:
        """Create an account: the first administrator of a production install starts here."""
        from sqlalchemy import select

        from .admin import MIN_PASSWORD, USERNAME_RE
        from .auth import hash_password
        from .db import commit, get_session
        from .models import User

        username = username.strip().lower()
        if not USERNAME_RE.fullmatch(username):
            raise click.ClickException(
                "Tên đăng nhập gồm 3–60 ký tự: chữ thường không dấu, số, dấu chấm, gạch."
            )
        if len(password) < MIN_PASSWORD:
            raise click.ClickException(f"Mật khẩu tối thiểu {MIN_PASSWORD} ký tự.")
        session = get_session()
        if session.scalar(select(User).where(User.username == username)) is not None:
            raise click.ClickException(f"Tên đăng nhập {username} đã có.")
        commune = None
        if role == "commune":
            from .units import find_commune

            commune = find_commune(commune_code or "")
            if commune is None:
                raise click.ClickException("Cán bộ xã phải gắn với một xã có sẵn (--commune-code).")
        unit = None
        if role == "reviewer":
            from .units import find_reviewing_unit

            unit = find_reviewing_unit(unit_code or "")
            if unit is None:
                raise click.ClickException("Tổ thẩm định phải gắn với một đơn vị có trong danh mục "
                                           "(--unit MÃ tỉnh hoặc huyện; nạp danh mục bằng import-units).")
        session.add(User(username=username, full_name=full_name, role=role, active=True,
                         password_hash=hash_password(password), commune_id=commune.id if commune else None,
                         unit_id=unit.id if unit else None))
        commit(session)
        click.echo(f"Đã tạo tài khoản {username} ({role}).")
