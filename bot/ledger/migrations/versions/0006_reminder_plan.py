"""reminders.base_at and after_days: what a due time was planned from, so a zone or quiet-hours change re-plans it

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("after_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_column("after_days")
        batch_op.drop_column("base_at")
