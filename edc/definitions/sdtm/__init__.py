"""SDTM definitions: the mapping specs and test terminology under `exports/`, loaded with the study definitions.

- `model`: the spec model (`SpecFile`, `DomainSpec`, `SpecSet`).
- `derivations`: the named derivations a spec may use and their arguments.
- `terminology`: the Findings test-code terminology (`exports/terminology/tests.yaml`).
- `toxicity`: the laboratory toxicity grading criteria (`exports/terminology/ctcae_lab.yaml`, NCI CTCAE v5.0).
- `loader`: `check_specs` / `load_specs`, one study's specs loaded and checked.
- `checks`: the checks of one spec against the study and the other specs.
"""
