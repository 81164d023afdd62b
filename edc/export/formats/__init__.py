"""The file-format layer of the SDTM export: metadata in, submission files out.

Mapping captured data onto SDTM happens in `edc.export.sdtm`; this package
imports nothing from it and only writes what it is given, refusing (with
every problem listed at once) what a format cannot hold:

- `metadata`, `codelist`, `study`: frozen descriptions of datasets,
  variables, codelists and the study (`Dataset`, `Variable`,
  `SubmissionCodelist`, `StudyInfo`) and the OIDs every format shares.
- `table`: rows (dicts or a pandas DataFrame) checked against a dataset's
  variables and normalised to plain values (`ExportError`).
- `xpt`: SAS XPORT version 5 (`write_xpt`).
- `datasetjson`: CDISC Dataset-JSON 1.1 (`write_dataset_json`), checked
  against the schema shipped in `schemas/`.
- `csvfile`: CSV (`write_csv`).
- `define`: Define-XML 2.1 (`write_define`), its elements built by `define_elements`.
- `files`: atomic file writes.

Every writer is deterministic: the same input gives the same bytes, the
creation time being an argument, never a clock read.
"""

from typing import Final

FORMATS: Final = ("xpt", "json", "csv")
"""The dataset file formats an export can write (define.xml always comes with them). Kept here, in a module
that imports nothing, so the CLI's --help and the API's checks name them without loading pandas."""
