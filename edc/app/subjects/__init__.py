"""Subjects: the study overview, screening (subject numbers per site), the subject list and one subject."""
