"""The named derivations an export spec may use (`derive: study_day`), each computing one cell of one row.

A derivation reads a `RowContext`: the study, the subject, the row block the
row comes from and what the row is made of (a form record, one test of a
findings record, a visit, or an eligibility criterion not met), plus the
values of the row's variables computed so far. `edc.definitions.sdtm.derivations`
lists the names and arguments the spec loader accepts; `registry.DERIVATIONS`
gathers the families' implementations (`identifiers`, `timing`, `events`,
`findings`, `criteria`, `coding`, `toxicity`) and checks at import that they
are exactly those.

Decisions:
- USUBJID is STUDYID-SUBJID. The subject number already starts with the site
  ("01-003"), so this is STUDYID-SITEID-number without repeating the site.
- Dates stay as captured: partial dates right-truncated ("2026-03"), never
  imputed. Study days need two complete dates and have no day 0.
- Screen failures (SDTMIG 3.4): ARMCD/ARM/ACTARMCD/ACTARM null, ARMNRS "SCREEN FAILURE"; assigned but
  never infused: ACTARMCD/ACTARM null, ARMNRS "ASSIGNED, NOT TREATED" (CORE-000047, 000115, 000208-210).
- Unscheduled visits: VISIT "UNSCHEDULED n" and VISITNUM 900 + n, so VISITNUM
  stays 1:1 with VISIT across subjects; running-log records have no visit.
- A findings result (--ORRES) is the captured value as text: coded values as
  their submission values, decimals with the item's declared precision,
  booleans Y/N, several choices joined by ", ". For an item a site may enter
  in other units it is the value as entered (--ORRESU its unit, --ORNRLO/HI
  the limits in that unit); --STRESC/N, --STRESU and --STNRLO/HI are in the
  item's standard unit, the value every rule read.
- IETEST holds at most 200 characters (SDTM and SAS XPORT): a longer
  criterion is cut at a word and ends with "..."; define.xml and the
  protocol keep the full text.
- LBTOXGR/LBTOX: NCI CTCAE v5.0 grade 0-4 of a laboratory result and its
  term, from the criteria of `exports/terminology/ctcae_lab.yaml`; a result
  within the laboratory's range is grade 0; where CTCAE grades against an
  abnormal baseline, the rule for a normal baseline (multiples of the limit
  of normal) is applied (`toxicity`).
"""
