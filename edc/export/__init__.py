"""The file-format layer of the SDTM export: metadata in, submission files out.

Mapping captured data onto SDTM happens elsewhere; this package only writes
what it is given, and refuses (with every problem listed at once) what a
format cannot hold:

- `edc.export.metadata`: frozen descriptions of datasets, variables,
  codelists and the study (`Dataset`, `Variable`, `Codelist`, `StudyInfo`)
  and the OIDs every format shares.
- `edc.export.table`: rows (dicts or a pandas DataFrame) checked against a
  dataset's variables and normalised to plain values (`ExportError`).
- `edc.export.xpt`: SAS XPORT version 5 (`write_xpt`).
- `edc.export.datasetjson`: CDISC Dataset-JSON 1.1 (`write_dataset_json`).
- `edc.export.csvfile`: CSV (`write_csv`).
- `edc.export.define`: Define-XML 2.1 (`write_define`).

Every writer is deterministic: the same input gives the same bytes, the
creation time being an argument, never a clock read.
"""
