"""The archive's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Results keep the fixed columns of DESIGN §5 as columns and every other results column
(`value_<code>`, `score_<code>`, `adjust_points`, `policy_<code>`, …) in `extra`: one JSON array
per firm, in the order of the names the run lists in `runs.extra_columns`. So rules with
different indicators share one schema, and floats keep every digit (JSON numbers written from
Python floats round-trip exactly). Input fields per firm are kept the same way (`inputs.fields`,
names in `runs.input_columns`). `schema_version` says which layout a database holds, so that a
later layout can migrate an older one.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 1

FIXED_TEXT = (
    "credit_code",
    "name",
    "park",
    "industry_code",
    "class",
    "status",
    "status_reason",
    "tier",
    "tier_label",
    "tier_reason",
    "veto_reason",
)
FIXED_COLUMNS = (
    "credit_code",
    "year",
    "name",
    "park",
    "industry_code",
    "class",
    "status",
    "status_reason",
    "total_score",
    "rank",
    "tier",
    "tier_label",
    "tier_reason",
    "veto_reason",
)
ISSUE_TEXT = ("code", "severity", "message", "file", "sheet", "credit_code", "field", "value")

metadata = sa.MetaData()

version_table = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("region", sa.Text, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("rules_name", sa.Text, nullable=False),
    sa.Column("rules_sha256", sa.String(64), nullable=False),
    sa.Column("inputs_digest", sa.String(64), nullable=False),
    sa.Column("results_digest", sa.String(64), nullable=False),
    sa.Column("mujun_version", sa.Text, nullable=False),
    sa.Column("written", sa.DateTime(timezone=True), nullable=True),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Column("firms", sa.Integer, nullable=False),
    sa.Column("extra_columns", sa.Text, nullable=False),
    sa.Column("input_columns", sa.Text, nullable=False),
    sa.Column("manifest", sa.Text, nullable=False),
    sa.Index("runs_region_year", "region", "year", "status"),
)


def _run_id() -> sa.Column[int]:
    return sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )


def _position() -> sa.Column[int]:
    return sa.Column("position", sa.Integer, primary_key=True)


results = sa.Table(
    "results",
    metadata,
    _run_id(),
    _position(),
    *(
        sa.Column(c, sa.Integer if c in ("year", "rank") else sa.Text)
        for c in FIXED_COLUMNS
        if c != "total_score"
    ),
    sa.Column("total_score", sa.Double),
    sa.Column("extra", sa.Text, nullable=False),
)

issues = sa.Table(
    "issues",
    metadata,
    _run_id(),
    _position(),
    *(sa.Column(c, sa.Text) for c in ISSUE_TEXT),
    sa.Column("row", sa.Integer),
)


def _records(name: str) -> sa.Table:
    """A table of a run's records, each kept whole as JSON text (corrections, appeals)."""
    return sa.Table(
        name, metadata, _run_id(), _position(), sa.Column("record", sa.Text, nullable=False)
    )


corrections = _records("corrections")
appeals = _records("appeals")

inputs = sa.Table(
    "inputs",
    metadata,
    _run_id(),
    _position(),
    sa.Column("credit_code", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("fields", sa.Text, nullable=False),
)
