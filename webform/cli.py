"""`flask --app webform ...` commands: upgrade the database, seed the demo data."""

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
