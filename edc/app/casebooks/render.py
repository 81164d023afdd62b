"""The casebook as PDF bytes (fpdf2): a cover page, then each visit's records, then the signatures.

Pure: it takes a `content.Casebook` and its hash and returns bytes; no
database, no clock. Text is written with the PDF core font Helvetica, so it
is extractable and no font file is needed; that font covers Latin-1, so the
few characters outside it that units and labels use are written as their
ASCII spelling (`_TRANSLITERATED`) and anything else as "?" (the API and
the audit trail keep the exact text).
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from edc.app.casebooks.content import AuditLine, Casebook, FormEntry, QueryEntry, SignatureLine, VisitEntry

_TRANSLITERATED = str.maketrans({
    "≥": ">=", "≤": "<=", "≠": "!=", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...",
    "⁹": "^9", "⁶": "^6", "³": "^3", "⁻": "-", "•": "*", "→": "->", "\u00a0": " ",
})
_LINE = 4.6  # mm per line of 9 pt text


def latin1(text: str) -> str:
    """`text` as the core font can write it: transliterated, then anything outside Latin-1 as "?"."""
    return text.translate(_TRANSLITERATED).encode("latin-1", "replace").decode("latin-1")


class _Document(FPDF):
    """An A4 document whose footer names the subject and the page."""

    def __init__(self, casebook: Casebook) -> None:
        super().__init__(format="A4")
        self.footer_text = latin1(f"{casebook.study_id} - subject {casebook.subject_number} - casebook")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(latin1(f"Casebook {casebook.study_id} {casebook.subject_number}"))
        self.set_creator("edc")

    def footer(self) -> None:
        """The subject and page number at the bottom of every page."""
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.cell(0, 5, f"{self.footer_text} - page {self.page_no()}", align="C")

    def line_of(self, text: str, *, size: float = 9, style: str = "", indent: float = 0) -> None:
        """A wrapped paragraph of `text`, indented `indent` mm from the left margin."""
        self.set_font("Helvetica", style=style, size=size)
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, _LINE * size / 9, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(casebook: Casebook, *, sha256: str, generated_at: str) -> bytes:
    """The PDF of `casebook`, its cover naming `sha256` (of the content) and the generation time."""
    pdf = _Document(casebook)
    _cover(pdf, casebook, sha256, generated_at)
    for visit in casebook.visits:
        _visit(pdf, visit)
    pdf.add_page()
    pdf.line_of("Signatures", size=13, style="B")
    for signature in casebook.signatures:
        _signature(pdf, signature)
    if not casebook.signatures:
        pdf.line_of("No signatures.")
    if casebook.other_queries:
        pdf.line_of("Queries on the subject or a visit", size=11, style="B")
        for query in casebook.other_queries:
            _query(pdf, query)
    if casebook.subject_audit:
        pdf.line_of("Audit history of the subject and its visits", size=11, style="B")
        for event in casebook.subject_audit:
            _audit(pdf, event)
    return bytes(pdf.output())


def _cover(pdf: _Document, casebook: Casebook, sha256: str, generated_at: str) -> None:
    pdf.add_page()
    pdf.line_of("Subject casebook", size=18, style="B")
    pdf.ln(4)
    facts = (("Study", f"{casebook.study_id} - {casebook.study_title}"), ("Protocol", casebook.protocol_id),
             ("Site", f"{casebook.site_code} - {casebook.site_name}"), ("Subject", casebook.subject_number),
             ("Cohort", casebook.cohort or "-"), ("Dose level", casebook.dose_level or "-"),
             ("Subject status", casebook.subject_status),
             ("Definition versions", ", ".join(casebook.definition_versions) or "-"),
             ("Generated at", generated_at), ("Content SHA-256", sha256))
    for label, value in facts:
        pdf.line_of(f"{label}: {value}", size=10)
    pdf.ln(3)
    pdf.line_of("The SHA-256 is of the casebook's content (canonical JSON of every value, query, SDV mark, "
                "signature and audit entry below, without the generation time): two casebooks of unchanged "
                "data carry the same hash.", size=8)


def _visit(pdf: _Document, visit: VisitEntry) -> None:
    pdf.add_page()
    occurrence = f" #{visit.occurrence}" if visit.occurrence != 1 else ""
    pdf.line_of(f"Visit {visit.visit_code}{occurrence} - {visit.status} - date {visit.visit_date or '-'}",
                size=13, style="B")
    if not visit.forms:
        pdf.line_of("No records.")
    for form in visit.forms:
        _form(pdf, form)


def _form(pdf: _Document, form: FormEntry) -> None:
    pdf.ln(2)
    pdf.line_of(f"{form.title} ({form.form_id} #{form.seq}) - version {form.version} - {form.status}",
                size=11, style="B")
    if form.withdrawal:
        pdf.line_of(f"Withdrawn: {form.withdrawal}", style="I")
    for item in form.items:
        unit = f" {item.unit}" if item.unit and item.value else ""
        mark = "  [SDV verified]" if item.verified else ""
        pdf.line_of(f"{item.label} ({item.name}): {item.value or '-'}{unit}{mark}", indent=3)
    for finding in form.findings:
        pdf.line_of(f"Finding {finding.check_id} ({finding.severity}) on {finding.item or 'the record'}: "
                    f"{finding.message}", indent=3, style="I")
    for query in form.queries:
        _query(pdf, query)
    if form.audit:
        pdf.line_of("Audit history", style="B", indent=3)
        for event in form.audit:
            _audit(pdf, event)


def _query(pdf: _Document, query: QueryEntry) -> None:
    where = f" on {query.item}" if query.item else ""
    pdf.line_of(f"Query {query.query_id}{where} ({query.origin}, {query.status}): {query.text}", indent=3,
                style="B")
    for message in query.messages:
        pdf.line_of(f"{message.at} {message.user or 'system'} - {message.kind} -> {message.status}: {message.text}",
                    indent=7)


def _audit(pdf: _Document, event: AuditLine) -> None:
    who = f"{event.username or 'system'}" + (f" ({event.role})" if event.role else "")
    change = f" {event.item}: {event.old_value or '-'} -> {event.new_value or '-'}" if event.item else ""
    reason = f"; reason: {event.reason}" if event.reason else ""
    pdf.line_of(f"{event.at} {event.action} by {who}{change}{reason}", size=8, indent=7)


def _signature(pdf: _Document, signature: SignatureLine) -> None:
    state = "valid" if signature.valid else f"invalidated {signature.invalidated or ''}".rstrip()
    pdf.line_of(f"{signature.signed_at} {signature.signer_name} ({signature.signer}) signed the {signature.scope} "
                f"{signature.covers}; meaning: {signature.meaning} - {state}", indent=3)
