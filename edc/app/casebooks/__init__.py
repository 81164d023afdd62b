"""Casebooks: every visit, form, value, finding, query, SDV mark, signature and audit entry of a subject, as a PDF
for the site to keep at study close (ICH E6(R3): the investigator keeps the site's data)."""
