"""Medical coding's pure side: reading the sponsor's dictionary files and matching verbatim terms.

- `files`: the line reader every parser shares, and `DictionaryInvalid`, every problem of a release at its
  file and line;
- `meddra`: a MedDRA release from its ASCII distribution files (`llt.asc` ... `mdhier.asc`), each lowest
  level term with the primary path of its preferred term;
- `whodrug`: WHODrug Global in its B3 text format (`DD.txt`, `DDA.txt`, `INA.txt`), each drug name with its
  preferred name and ATC classes;
- `matching`: the name key verbatim terms are matched on, and when a match decides.

No database, no clock: `edc.app.coding` stores what these return and the coding decisions.
"""
