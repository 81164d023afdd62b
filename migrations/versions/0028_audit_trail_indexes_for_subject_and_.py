"""audit trail indexes for subject and record paging in chain order

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 13:05:00.000000

A monitor's page of one subject's (or one record's) trail is `subject_id = ? AND study_id = ? ...
ORDER BY id LIMIT n`. With an index on `subject_id` alone PostgreSQL reads every event of the subject
and sorts them; SQLite, which has no statistics here, weighs that index and the study's (study_id, id)
as equal and takes whichever was created last: walking the study's, it reads the study's events up to
the page, O(study events) for a late subject (`bench.audit_query`). (subject_id, study_id, id) and
(record_id, study_id, id) hold each filter's events in chain order after two equalities, which both
planners prefer to the study's one, so a page is one range of an index. They replace the
single-column indexes, which they cover, so an append still maintains the same number of indexes.

Plain CREATE INDEX, not a batch operation: on SQLite a batch that recreated audit_events would drop
its append-only triggers (migration 0002). On PostgreSQL the build holds a SHARE lock on audit_events,
so appends wait for it (on SQLite every writer waits): both indexes took 3 s at 1M events on either
backend and 19 s (PostgreSQL) or 18-27 s (SQLite) at 10M on the loaded benchmark machine
(`bench.audit_query --compare`).
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_audit_events_subject_id_study_id_id', 'audit_events', ['subject_id', 'study_id', 'id'],
                    unique=False)
    op.create_index('ix_audit_events_record_id_study_id_id', 'audit_events', ['record_id', 'study_id', 'id'],
                    unique=False)
    op.drop_index(op.f('ix_audit_events_subject_id'), table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_record_id'), table_name='audit_events')


def downgrade() -> None:
    op.create_index(op.f('ix_audit_events_record_id'), 'audit_events', ['record_id'], unique=False)
    op.create_index(op.f('ix_audit_events_subject_id'), 'audit_events', ['subject_id'], unique=False)
    op.drop_index('ix_audit_events_record_id_study_id_id', table_name='audit_events')
    op.drop_index('ix_audit_events_subject_id_study_id_id', table_name='audit_events')
