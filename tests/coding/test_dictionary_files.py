"""Reading dictionary releases from their distribution files: the invented test releases in tests/data/coding,
and copies of them broken line by line, each problem reported at its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edc.coding.files import DictionaryInvalid
from edc.coding.matching import name_key, single_match
from edc.coding.meddra import read_meddra
from edc.coding.whodrug import read_whodrug

DATA = Path(__file__).parents[1] / "data" / "coding"


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(DATA / name, target)
    return target


def replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[number - 1] = text + "\n"
    path.write_text("".join(lines))


def problems(error: pytest.ExceptionInfo[DictionaryInvalid]) -> list[tuple[str, int, str]]:
    return [(Path(p.file).name, p.line, p.message) for p in error.value.problems]


def test_a_meddra_release_gives_every_llt_with_its_primary_path() -> None:
    terms = {term.llt_name: term for term in read_meddra(DATA / "meddra")}
    assert len(terms) == 9
    crs = terms["Cytokine release syndrome"]  # under two SOCs in mdhier.asc: the primary one is kept
    assert (crs.llt_code, crs.pt_code, crs.hlt_name, crs.hlgt_name, crs.soc_code, crs.soc_name) == (
        90500006, 90400003, "Cytokine release syndromes", "Immune disorders NEC", 90100003, "Immune system disorders")
    head_pain = terms["Head pain"]
    assert (head_pain.pt_name, head_pain.soc_name, head_pain.current) == ("Headache", "Nervous system disorders", True)
    assert [name for name, term in terms.items() if not term.current] == ["Cephalgia", "Sick feeling"]


def test_every_problem_of_a_meddra_release_is_named_at_its_file_and_line(tmp_path: Path) -> None:
    release = copy("meddra", tmp_path)
    replace_line(release / "llt.asc", 2, "9050000X$Head pain$90400001$$$$$$$Y$$")
    replace_line(release / "llt.asc", 4, "90500004$Fatigue$90499999$$$$$$$Y$$")
    replace_line(release / "llt.asc", 5, "90500005$Tiredness$90400002$$$$$$$maybe$$")
    replace_line(release / "pt.asc", 5, "90400005$Nausea$")  # its two LLTs then name a PT that is not there
    replace_line(release / "mdhier.asc", 1, "90400001$90300001$90200001$90109999$Headache$Headaches NEC$Headaches$"
                                            "Nervous system disorders$Nerv$$90100001$Y$")
    replace_line(release / "hlgt_hlt.asc", 3, "90200003$90300099$")  # the CRS path's link is gone
    with pytest.raises(DictionaryInvalid) as refused:
        read_meddra(release)
    assert problems(refused) == [
        ("llt.asc", 1, "PT 90400001 of LLT 90500001 has no primary path in mdhier.asc"),
        ("llt.asc", 2, "code '9050000X' is not a number"),
        ("llt.asc", 3, "PT 90400001 of LLT 90500003 has no primary path in mdhier.asc"),
        ("llt.asc", 4, "PT 90499999 of LLT 90500004 is not in pt.asc"),
        ("llt.asc", 5, "llt_currency is 'maybe', not Y or N"),
        ("llt.asc", 6, "PT 90400003 of LLT 90500006 has no primary path in mdhier.asc"),
        ("llt.asc", 8, "PT 90400005 of LLT 90500008 is not in pt.asc"),
        ("llt.asc", 9, "PT 90400005 of LLT 90500009 is not in pt.asc"),
        ("mdhier.asc", 1, "SOC 90109999 is not in soc.asc"),
        ("mdhier.asc", 3, "the link 90200003 -> 90300003 is not in hlgt_hlt.asc"),
        ("mdhier.asc", 6, "PT 90400005 is not in pt.asc"),
        ("pt.asc", 5, "3 $-separated fields; pt.asc has 11"),
    ]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    release = copy("meddra", tmp_path)
    (release / "soc_hlgt.asc").unlink()
    with pytest.raises(DictionaryInvalid) as refused:
        read_meddra(release)
    assert ("soc_hlgt.asc", 1, "file missing from the release") in problems(refused)


def test_a_second_primary_path_and_a_code_defined_twice_are_refused(tmp_path: Path) -> None:
    release = copy("meddra", tmp_path)
    mdhier = (release / "mdhier.asc").read_text().splitlines()
    (release / "mdhier.asc").write_text("\n".join([*mdhier, mdhier[2].replace("$N$", "$Y$")]) + "\n")
    with (release / "llt.asc").open("a") as llt:
        llt.write("90500001$Headache again$90400001$$$$$$$Y$$\n")
    with pytest.raises(DictionaryInvalid) as refused:
        read_meddra(release)
    found = problems(refused)
    assert ("llt.asc", 10, "LLT 90500001 is defined twice") in found
    assert any(f[0] == "mdhier.asc" and "second primary path" in f[2] for f in found), found


def test_a_whodrug_b3_release_gives_every_drug_name_with_its_preferred_name_and_atc_classes() -> None:
    terms = {term.drug_code: term for term in read_whodrug(DATA / "whodrug")}
    assert len(terms) == 6
    panadol = terms["90000101002"]  # a trade name: the record's preferred name, and its ATC class by that name
    assert (panadol.drug_name, panadol.preferred_name, panadol.atc) == ("PANADOL", "PARACETAMOL",
                                                                        (("N02BE", "Anilides"),))
    assert terms["90000401001"].atc == (("R05X", "OTHER COLD PREPARATIONS"), ("N02BE", "Anilides"))
    assert [t.drug_code for t in terms.values() if t.drug_name == "COLD RELIEF"] == ["90000401001", "90000501001"]


def test_every_problem_of_a_whodrug_release_is_named_at_its_file_and_line(tmp_path: Path) -> None:
    release = copy("whodrug", tmp_path)
    replace_line(release / "DD.txt", 1, "900001010010T25EDC010000001N")  # no name
    replace_line(release / "DD.txt", 4, "9000X3010010T25EDC010000001N  ONDANSETRON")
    replace_line(release / "DDA.txt", 2, "900099010010L04AC  253Y")
    replace_line(release / "DDA.txt", 3, "900003010010A99ZZ  253Y")
    replace_line(release / "INA.txt", 4, "R05X   9OTHER COLD PREPARATIONS")
    with pytest.raises(DictionaryInvalid) as refused:
        read_whodrug(release)
    assert problems(refused) == [
        ("DD.txt", 1, "drug 90000101001 needs a name of 1 to 1500 characters from position 31"),
        ("DD.txt", 2, "drug record 900001 has no preferred name (sequence numbers 01 001)"),
        ("DD.txt", 4, "positions 1-12 must be the drug code and its check digit"),
        ("DDA.txt", 1, "drug code 90000101001 is not in DD.txt"),
        ("DDA.txt", 2, "drug code 90009901001 is not in DD.txt"),
        ("DDA.txt", 3, "drug code 90000301001 is not in DD.txt"),
        ("DDA.txt", 4, "ATC code 'R05X' (positions 13-19) is not in INA.txt"),
        ("DDA.txt", 6, "ATC code 'R05X' (positions 13-19) is not in INA.txt"),
        ("INA.txt", 4, "expected an ATC code (positions 1-7), its level 1-5 (8) and its text (9-)"),
    ]


def test_matching_ignores_case_and_spacing_only_and_needs_one_code() -> None:
    assert name_key("  Cytokine   release\tSYNDROME ") == name_key("cytokine release syndrome")
    assert name_key("Headache") != name_key("Head ache")
    assert name_key("x" * 501) == ""
    assert single_match(["10", "10"]) == "10"
    assert single_match(["10", "11"]) is None
    assert single_match([]) is None
