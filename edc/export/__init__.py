"""The CDISC SDTM export, in three layers, each importing only those below it:

- `edc.export.run`: the submission run (`export_submission`): map, validate,
  then write every file into a staging folder, all or nothing.
- `edc.export.sdtm`: SDTM mapping, derivations, trial design datasets and
  the pandera conformance checks.
- `edc.export.formats`: the file writers (SAS XPORT, Dataset-JSON, CSV,
  Define-XML) and the metadata model they take.

The specs the mapping follows are definitions (`edc.definitions.sdtm`),
loaded with the study definitions. Nothing here touches storage: the data
arrive as `edc.export.sdtm.subjectdata.SubjectData`.
"""
