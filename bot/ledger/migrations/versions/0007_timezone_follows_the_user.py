"""users.timezone_by_hand and timezone_checked_at: a zone follows the platform unless the user set it by hand

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone_by_hand", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("timezone_checked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("timezone_checked_at")
        batch_op.drop_column("timezone_by_hand")
