"""The SDTM trial design datasets TS, TA, TE, TV and TI (SDTMIG 3.4 chapter 7), built from a study definition.

Pure: no database, no clock. `datasets.design_datasets` returns each
dataset's metadata and its rows in key order, ready for
`edc.export.sdtm.validation` and the writers; nothing here reads captured
data. One module per dataset group: `summary` (TS), `arms` (TE, TA),
`visits` (TV), `criteria` (TI), what they share in `common`.

Decisions:
- Arms (TA): one per dose level, ARMCD the dose level id (DL1), ARM its
  label, as DM derives them; every arm runs through the same elements. The
  export passes the intermediate levels the committee opened among the
  study's levels (`edc.app.escalation.levels.as_run`), so each is an arm too.
- Elements (TE), in order: screening SCRN (SCREENING), leukapheresis LEUK
  (TREATMENT, only when a visit collects the leukapheresis form: autologous
  products; the visits put it in TREATMENT), lymphodepletion LD and CAR-T
  infusion CART (TREATMENT), follow-up FU (FOLLOW-UP), and long-term
  follow-up LTFU (LONG-TERM FOLLOW-UP) only when visits have that epoch.
  TESTRL/TEENRL are text rules in protocol days (Day 0 = the infusion), one
  element's end the next one's start. TEDUR only where the protocol fixes
  it: LD from its first dose to the infusion (P5D for Day -5), CART one day.
  TABRANCH and TATRANS are empty (no branches, no transitions).
- Visits (TV): one row per scheduled visit, the same for all arms (ARMCD
  empty). VISITDY is the SDTM study day of the protocol day: day + 1 from
  Day 0 (the infusion, study day 1, as RFSTDTC is the infusion) on, the day
  itself before it; never 0. TVSTRL states the day and window in words.
- Criteria (TI): one row per eligibility criterion, IETESTCD its id (at
  most 8 characters), IETEST its text, IECAT INCLUSION/EXCLUSION, TIVERS the
  study definition's version. A text over 200 characters is cut at a word
  and ends with "..." (`edc.export.sdtm.derivations.criteria.criterion_test`, the same
  text IE gives), as SDTMIG 3.4 allows with the full text in the protocol;
  a short text written by the trial team would read better.
- Summary (TS): TSSEQ numbers the values of one parameter (1, 2... for
  several registry ids). Coded values carry their NCI code with TSVCDREF
  "CDISC CT" and TSVCDVER the terminology release; ages are ISO 8601
  durations (TSVCDREF "ISO 8601"); registry ids are their own code
  (TSVCDREF the registry). The study's "EARLY PHASE 1" (ClinicalTrials.gov's
  name for what was "Phase 0") is submitted as the CDISC term PHASE 0 TRIAL.
  No actual subject count (ACTSUB): the definition does not know it.
- A TSVAL longer than 200 characters (a long title) is split between words
  into TSVAL, TSVAL1, TSVAL2... of at most 200 each (SDTMIG 3.4 section
  4.5.3.2); joining the parts with single spaces gives the text back. The
  TSVALn columns are declared only when some value needs them.
"""
