"""Lupus responses: SRI-4, LLDAS and DORIS at each follow-up assessment of a subject, from the stored records."""
