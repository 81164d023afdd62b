"""Locks: freezing and locking the study, a subject, a visit or a record, and releasing them with a reason."""
