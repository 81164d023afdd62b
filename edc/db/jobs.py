"""The table of background jobs: data managers' SDTM and ODM exports, their progress and outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from edc.db.core import Base, UtcDateTime


class ExportJob(Base):
    """A data manager's SDTM and/or ODM export, run in the background: its status, progress and outcome.

    Status: queued -> running -> succeeded or failed. `runner` names the
    server process running it and `heartbeat_at` when it last said so, so a
    job whose process died is recognised and shown as failed (interrupted).
    `directory` is the server path of the files, never shown to clients;
    `files` their names in it. `failures` lists the validation failures of a
    refused submission ({domain, variable, usubjid, value, message, row}).
    `site_ids` are the sites a site-restricted data manager's export covers
    (None: the whole study): only their subjects are exported, and only
    data managers who see all of them see the job. `allow_uncoded`: the data
    manager asked to export although verbatim terms are not coded yet
    (otherwise such a job fails, listing them). `changed_since` (inclusive) and
    `changed_until` (exclusive) bound an ODM export to the records changed
    within them (None: unbounded).
    """

    __tablename__ = "export_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="export_job_status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[str] = mapped_column(ForeignKey("studies.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_role: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12))
    formats: Mapped[list[str]] = mapped_column(JSON)
    runner: Mapped[str | None] = mapped_column(String(120))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    progress_dataset: Mapped[str | None] = mapped_column(String(40))
    progress_step: Mapped[str | None] = mapped_column(String(40))
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[dict[str, int] | None] = mapped_column(JSON)
    files: Mapped[list[str] | None] = mapped_column(JSON)
    failures: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    directory: Mapped[str | None] = mapped_column(Text)
    site_ids: Mapped[list[int] | None] = mapped_column(JSON)
    # "false" as text: a literal both SQLite and PostgreSQL read as boolean (false() renders 0 in SQLite's DDL)
    allow_uncoded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    changed_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    changed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
