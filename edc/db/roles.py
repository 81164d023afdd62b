"""The PostgreSQL runtime role: what the application may do to each table, granted by the schema's owner.

`edc db upgrade` runs as the role that owns the tables; `edc serve` connects
as a runtime role (EDC_RUNTIME_ROLE) that owns nothing, so application
credentials cannot `ALTER TABLE audit_events DISABLE TRIGGER`, drop the
append-only triggers or rewrite the trail: on `audit_events` it may only
SELECT and INSERT. The grants below are what the code really does (the
stores' INSERT, UPDATE and DELETE statements); every upgrade revokes what the
role had and grants them again in the migrations' transaction, so a table
added by a migration is granted at once and a privilege removed here is taken
back. A table missing from the map gets nothing (a test names it): a new table
needs a decision, not a default.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from edc.db.formtables import form_table_name

READ = ("SELECT",)
APPEND = ("SELECT", "INSERT")
CHANGE = ("SELECT", "INSERT", "UPDATE")

#: table -> privileges of the runtime role (PostgreSQL's words; a column list limits an UPDATE).
RUNTIME_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "alembic_version": READ,  # `edc serve` checks the schema is at head
    # `SELECT ... FOR UPDATE` (the escalation's per-study lock) needs an UPDATE privilege on some column: the
    # key, which the foreign keys of sites and definition versions keep from changing.
    "studies": ("SELECT", "UPDATE (id)"),
    "definition_versions": READ,
    "sites": READ,
    "users": ("SELECT", "INSERT", "UPDATE (password_hash)"),  # `edc users add`, demo accounts; rehash at login
    "role_assignments": APPEND,
    "api_tokens": ("SELECT", "INSERT", "UPDATE (revoked_at)"),
    "login_throttles": (*CHANGE, "DELETE"),  # a success forgets the failures
    "subjects": CHANGE,
    "visits": CHANGE,
    "form_records": CHANGE,
    "subject_counters": CHANGE,
    "record_counters": CHANGE,
    "record_findings": ("SELECT", "INSERT", "DELETE"),  # a record's findings are replaced on each save
    "idempotency_keys": CHANGE,
    "eligibility_decisions": APPEND,
    "dlt_adjudications": APPEND,
    "escalation_decisions": APPEND,
    "export_jobs": CHANGE,
    "queries": CHANGE,
    "query_messages": APPEND,
    "sdv_marks": CHANGE,
    "locks": CHANGE,
    "signatures": CHANGE,
    "audit_events": APPEND,  # never UPDATE, DELETE, TRUNCATE, REFERENCES or TRIGGER
    "audit_chain_head": ("SELECT", "UPDATE (last_id, last_hash)"),  # each append moves the head
}
#: Every form's table (`crf_<study>_<form>`): records are entered and corrected.
FORM_TABLE_PRIVILEGES = CHANGE
_FORM_TABLE_PREFIX = form_table_name("", "")[:-1]  # "crf_"


class RuntimeRoleError(Exception):
    """The configured runtime role is missing, or would be as powerful as the owner."""


def privileges(table: str) -> tuple[str, ...]:
    """The runtime role's privileges on `table` (none for a table this module does not know)."""
    if table.startswith(_FORM_TABLE_PREFIX):
        return FORM_TABLE_PRIVILEGES
    return RUNTIME_PRIVILEGES.get(table, ())


def grant_runtime_role(conn: Connection, role: str) -> None:
    """Give `role` exactly the runtime privileges on the current schema's tables and sequences (idempotent).

    Runs in the caller's transaction (the migrations'), so no other session sees the role without its grants.
    SQLite has no roles: nothing to do there.
    """
    if conn.dialect.name != "postgresql":
        return
    _refuse_unsafe(conn, role)
    quoted = conn.dialect.identifier_preparer.quote(role)
    schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    quoted_schema = conn.dialect.identifier_preparer.quote(schema)
    # Revoking a table's privileges revokes its column privileges too: the grants below are then the whole
    # set, with nothing inherited from PUBLIC either.
    for grantee in (quoted, "PUBLIC"):
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {quoted_schema} FROM {grantee}"))
        conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {quoted_schema} FROM {grantee}"))
    for table in _tables(conn):
        granted = privileges(table)
        if granted:
            name = conn.dialect.identifier_preparer.quote(table)
            conn.execute(text(f"GRANT {', '.join(granted)} ON TABLE {quoted_schema}.{name} TO {quoted}"))
    # USAGE lets an INSERT take the next id of a serial key; not SELECT or UPDATE (setval).
    conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {quoted_schema} TO {quoted}"))
    if not conn.execute(text("SELECT has_schema_privilege(:role, :schema, 'USAGE')"),
                        {"role": role, "schema": schema}).scalar_one():
        conn.execute(text(f"GRANT USAGE ON SCHEMA {quoted_schema} TO {quoted}"))


def owned_tables(conn: Connection) -> list[str]:
    """The tables of the current schema owned by the connected role (a runtime role owns none)."""
    return list(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user "
        "ORDER BY tablename")).scalars())


def _tables(conn: Connection) -> list[str]:
    return list(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")).scalars())


def _refuse_unsafe(conn: Connection, role: str) -> None:
    """A runtime role that is the owner, a superuser or a member of the owner could undo the triggers."""
    found = conn.execute(text(
        "SELECT rolsuper, rolbypassrls, pg_has_role(r.oid, current_user, 'MEMBER') AS member, "
        "r.rolname = current_user AS owner, EXISTS (SELECT FROM pg_roles w WHERE w.rolname = 'pg_write_all_data' "
        "AND pg_has_role(r.oid, w.oid, 'USAGE')) AS writes_all FROM pg_roles r WHERE r.rolname = :role"),
        {"role": role}).one_or_none()
    if found is None:
        raise RuntimeRoleError(
            f"the runtime role {role!r} does not exist; create it first, e.g. "
            f"CREATE ROLE {role} LOGIN PASSWORD '...' (see the README, 'PostgreSQL in production')")
    if found.rolsuper or found.rolbypassrls:  # checked first: a superuser is a member of every role
        raise RuntimeRoleError(f"the runtime role {role!r} is a superuser: no grant can restrict it")
    if found.writes_all:
        raise RuntimeRoleError(f"the runtime role {role!r} is a member of pg_write_all_data: it may change any row")
    if found.owner or found.member:
        raise RuntimeRoleError(f"the runtime role {role!r} is (or is a member of) the schema's owner: "
                               "it could alter the tables; use a role of its own")
