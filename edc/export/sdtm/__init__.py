"""The SDTM layer of the export: study definition, specs and captured data in, validated datasets out.

May use `edc.export.formats` (the metadata model and table normalisation), never `edc.export.run`:

- `subjectdata`: the captured data of one subject, as the mapping reads them.
- `mapping`: `map_dataset`, a spec's dataset metadata and rows (`rows`, `supplemental`,
  `dataset_metadata`), and `codelists`, the codelists define.xml declares.
- `derivations`: the named derivations a spec may use, by family.
- `methods`: the define.xml method text of each derivation.
- `trialdesign`: TS, TA, TE, TV and TI from the study definition.
- `validation`: the pandera conformance checks (`conformance`, `links`), refusing with `failures`.
"""
