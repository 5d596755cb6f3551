"""Units as data: every administrative level in the registry, dated parent links and successor links.

The existing rows are carried over: each free-text province and district becomes a unit (without code until
`flask import-units --legacy` recognises it by name), each commune is linked to its district, a reviewer's
free-text district becomes the unit it reviews, and the merges recorded by 0002 (successor_id, merged_on)
become successor links of kind "merge".

Revision ID: 0005_units
Revises: 0004_review
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0005_units"
down_revision = "0004_review"
branch_labels = None
depends_on = None

MIGRATED = "Ghi trong hệ thống trước khi có danh mục đơn vị (0002_commune_merges)"


def _communes_before(meta: sa.MetaData, new_columns: bool = True) -> sa.Table:
    """The communes table as 0001 + 0002 (+ the new columns) left it, without the unique code: the schema
    SQLite's batch copy recreates (reflection would keep the unnamed UNIQUE(code) of 0001)."""
    extra: list[sa.Column[object]] = [
        sa.Column("level", sa.String(10), nullable=False, server_default="xa"),
        sa.Column("kind", sa.String(30), nullable=False, server_default=""),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
    ] if new_columns else []
    return sa.Table(
        "communes", meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("district", sa.String(120), nullable=False),
        sa.Column("province", sa.String(120), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("region", sa.String(20), nullable=False),
        sa.Column("ntm_tdmnpb_override", sa.Boolean, nullable=False),
        sa.Column("successor_id", sa.Integer, nullable=True),
        sa.Column("merged_on", sa.Date, nullable=True),
        *extra,
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        batch_ctx = op.batch_alter_table("communes", copy_from=_communes_before(sa.MetaData(), False),
                                         recreate="always")
    else:
        op.drop_constraint("fk_communes_successor", "communes", type_="foreignkey")
        op.drop_constraint("communes_code_key", "communes", type_="unique")
        batch_ctx = op.batch_alter_table("communes")
    with batch_ctx as batch:
        batch.add_column(sa.Column("level", sa.String(10), nullable=False, server_default="xa"))
        batch.add_column(sa.Column("kind", sa.String(30), nullable=False, server_default=""))
        batch.add_column(sa.Column("valid_from", sa.Date, nullable=True))
        batch.add_column(sa.Column("valid_to", sa.Date, nullable=True))
    op.create_table(
        "unit_parents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
    )
    op.create_index("ix_unit_parents_unit_id", "unit_parents", ["unit_id"])
    op.create_index("ix_unit_parents_parent_id", "unit_parents", ["parent_id"])
    op.create_table(
        "unit_successors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("predecessor_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("successor_id", sa.Integer, sa.ForeignKey("communes.id"), nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_successor"),
    )
    op.create_index("ix_unit_successors_predecessor_id", "unit_successors", ["predecessor_id"])
    op.create_index("ix_unit_successors_successor_id", "unit_successors", ["successor_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_users_unit", "communes", ["unit_id"], ["id"])

    # ---- carry the data over
    meta = sa.MetaData()
    communes = _communes_before(meta)
    parents = sa.table("unit_parents", sa.column("unit_id"), sa.column("parent_id"),
                       sa.column("valid_from"), sa.column("valid_to"))
    succ = sa.table("unit_successors", sa.column("predecessor_id"), sa.column("successor_id"),
                    sa.column("on"), sa.column("kind"), sa.column("source"))
    users = sa.table("users", sa.column("id"), sa.column("district"), sa.column("unit_id"))
    rows = bind.execute(sa.select(communes.c.id, communes.c.district, communes.c.province,
                                  communes.c.successor_id, communes.c.merged_on)).all()

    def new_unit(name: str, level: str, kind: str) -> int:
        result = bind.execute(communes.insert().values(
            code="", name=name, district="", province="", type="", region="", ntm_tdmnpb_override=False,
            level=level, kind=kind))
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row returns its key
        return int(key[0])

    province_ids: dict[str, int] = {}
    district_ids: dict[tuple[str, str], int] = {}
    for _id, district, province, _s, _m in rows:
        province = (province or "").strip()
        district = (district or "").strip()
        if province and province not in province_ids:
            province_ids[province] = new_unit(province, "tinh", province.split(" ")[0])
        if district and (province, district) not in district_ids:
            did = new_unit(district, "huyen", district.split(" ")[0])
            district_ids[(province, district)] = did
            if province:
                bind.execute(parents.insert().values(unit_id=did, parent_id=province_ids[province]))
    for cid, district, province, successor_id, merged_on in rows:
        key = ((province or "").strip(), (district or "").strip())
        parent = district_ids.get(key) or province_ids.get(key[0])
        if parent is not None:
            bind.execute(parents.insert().values(unit_id=cid, parent_id=parent))
        bind.execute(communes.update().where(communes.c.id == cid).values(kind="Xã"))
        if successor_id is not None and merged_on is not None:
            bind.execute(succ.insert().values(predecessor_id=cid, successor_id=successor_id, on=merged_on,
                                              kind="merge", source=MIGRATED))
            bind.execute(communes.update().where(communes.c.id == cid)
                         .values(valid_to=merged_on - timedelta(days=1)))
    by_name = {name: did for (_p, name), did in district_ids.items()}
    for uid, district in bind.execute(sa.select(users.c.id, users.c.district)
                                      .where(users.c.district.is_not(None))).all():
        name = (district or "").strip()
        if not name:
            continue
        unit = by_name.get(name) or province_ids.get(name)
        if unit is None:
            unit = by_name[name] = new_unit(name, "huyen", name.split(" ")[0])
        bind.execute(users.update().where(users.c.id == uid).values(unit_id=unit))

    # ---- drop what the registry replaces (and the unique code: codes repeat across the reform)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("district")
    with op.batch_alter_table("communes", copy_from=_communes_before(sa.MetaData())) as batch:
        for column in ("district", "province", "successor_id", "merged_on"):
            batch.drop_column(column)
    op.create_index("ix_communes_level_code", "communes", ["level", "code"])


def downgrade() -> None:
    # Back to one free-text district per commune (its latest parent of level huyện) and one successor.
    bind = op.get_bind()
    op.drop_index("ix_communes_level_code", "communes")
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("district", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("province", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("successor_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("merged_on", sa.Date, nullable=True))
        batch.create_foreign_key("fk_communes_successor", "communes", ["successor_id"], ["id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("district", sa.String(120), nullable=True))
    c = sa.table("communes", sa.column("id"), sa.column("name"), sa.column("level"), sa.column("district"),
                 sa.column("province"), sa.column("successor_id"), sa.column("merged_on"))
    names = {i: (n, lv) for i, n, lv in bind.execute(sa.select(c.c.id, c.c.name, c.c.level)).all()}
    p = sa.table("unit_parents", sa.column("unit_id"), sa.column("parent_id"))
    parent_of = dict(bind.execute(sa.select(p.c.unit_id, p.c.parent_id)).all())
    for cid, (_name, level) in names.items():
        if level != "xa":
            continue
        up, district, province = parent_of.get(cid), "", ""
        while up is not None:
            n, lv = names[up]
            district = n if lv == "huyen" else district
            province = n if lv == "tinh" else province
            up = parent_of.get(up)
        bind.execute(c.update().where(c.c.id == cid).values(district=district, province=province))
    s = sa.table("unit_successors", sa.column("predecessor_id"), sa.column("successor_id"), sa.column("on"))
    for pred, succ_id, on in bind.execute(sa.select(s.c.predecessor_id, s.c.successor_id, s.c.on)).all():
        bind.execute(c.update().where(c.c.id == pred).values(successor_id=succ_id, merged_on=on))
    u = sa.table("users", sa.column("unit_id"), sa.column("district"))
    for uid, (name, _lv) in names.items():
        bind.execute(u.update().where(u.c.unit_id == uid).values(district=name))
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_unit", type_="foreignkey")
        batch.drop_column("unit_id")
    op.drop_table("unit_successors")
    op.drop_table("unit_parents")
    bind.execute(c.delete().where(c.c.level != "xa"))
    with op.batch_alter_table("communes") as batch:
        for column in ("level", "kind", "valid_from", "valid_to"):
            batch.drop_column(column)
