"""The relationship ladder, the weekly plan and the user's own evidence: steps off the feed (emailed, called,
met), a circle per contact, a weekly time budget with the cost of each action, the week a plan went out, and
whether a checked draft led with a question

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("how", sa.String(16), nullable=True),
    )
    op.create_index("ix_steps_owner_contact_at", "steps", ["owner_id", "contact_id", "at"])
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("circle", sa.String(16), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weekly_plan", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("weekly_budget_minutes", sa.Integer(), nullable=False, server_default="60"))
        batch_op.add_column(sa.Column("cost_message", sa.Integer(), nullable=False, server_default="3"))
        batch_op.add_column(sa.Column("cost_call", sa.Integer(), nullable=False, server_default="20"))
        batch_op.add_column(sa.Column("cost_coffee", sa.Integer(), nullable=False, server_default="60"))
        batch_op.add_column(sa.Column("last_plan_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("plan_claimed_until", sa.DateTime(), nullable=True))
    for table in ("checks", "outreach"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("question_led", sa.Boolean(), nullable=True))


def downgrade() -> None:
    for table in ("outreach", "checks"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("question_led")
    with op.batch_alter_table("users", schema=None) as batch_op:
        names = (
            "plan_claimed_until",
            "last_plan_at",
            "cost_coffee",
            "cost_call",
            "cost_message",
            "weekly_budget_minutes",
            "weekly_plan",
        )
        for name in names:
            batch_op.drop_column(name)
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("circle")
    op.drop_index("ix_steps_owner_contact_at", table_name="steps")
    op.drop_table("steps")
