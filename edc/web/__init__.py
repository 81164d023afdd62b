"""The workspace: server-rendered pages for monitors, data managers, site staff and the safety review committee.

A presentation layer beside the API (`edc.api | edc.web`): the same Litestar
application, the same services, permissions and site isolation. Pages read
the session cookie the login form sets (never a bearer header), and every
state-changing form carries a CSRF token; the API never accepts the cookie.
"""
