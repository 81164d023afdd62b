"""Medical coding over HTTP, as data managers work: verbatim terms coded on an exact match (CTCAE terms are
MedDRA LLTs), the rest in a queue scoped to the data manager's sites, decisions audited and re-opened when the
verbatim term is corrected, a query to the site from the queue. The releases are the invented ones of
tests/data/coding, loaded into each test's database."""

from __future__ import annotations

from typing import Any

from api_env import NOW, PASSWORD, STUDY, Api, adverse_event, records_path, screen
from coding_env import CODING, MEDDRA, WHODRUG, decide, load_test_releases, term_of, terms, use_releases

from edc.app.access.service import GrantSpec, create_user

PROBLEM = "application/problem+json"


def medication(cmtrt: str) -> dict[str, object]:
    return {"cmtrt": cmtrt, "cmgc": "N", "cmindc": "Headache", "cmstdat": "2026-02-10", "cmongo": "N",
            "cmendat": "2026-02-12"}


def log(api: Api, number: str, form: str, body: dict[str, object], user: str = "inv01") -> dict[str, Any]:
    response = api.call(user, "POST", records_path(number, "LOGS", form), json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def correct_term(api: Api, number: str, seq: int, aeterm: str, version: int) -> None:
    response = api.call("inv01", "PATCH", records_path(number, "LOGS", "adverse_events") + f"/{seq}",
                        json={"reason": "site re-checked the source", "changes": {"aeterm": aeterm}},
                        headers={"If-Match": f'"{version}"'})
    assert response.status_code == 200, response.text


def waiting(api: Api, aeterm: str) -> tuple[str, dict[str, Any]]:
    """The test releases set, a subject with one adverse event `aeterm`: the subject number and the term."""
    load_test_releases(api)
    use_releases(api)
    number = screen(api)
    log(api, number, "adverse_events", adverse_event("1", aeterm=aeterm))
    return number, term_of(api, number, "adverse_events", "aeterm")


def trail(api: Api, action: str) -> list[tuple[Any, ...]]:
    events = api.call("dm", "GET", f"/api/v1/studies/{STUDY}/audit", params={"action": action}).json()["items"]
    return [(e["item"], e["old_value"], e["new_value"], e["username"]) for e in events]


def site_restricted_data_manager(api: Api, username: str, site: str) -> None:
    with api.engine.begin() as conn:
        create_user(conn, username=username, full_name=username, password=PASSWORD,
                    grants=[GrantSpec("data_manager", STUDY, site)], now=NOW)
    api.tokens[username] = api.login(username).json()["token"]


def test_only_data_managers_code(api: Api) -> None:
    for user in ("coord01", "inv01", "monitor", "safety", "admin"):
        for method, path, body in (("GET", f"{CODING}/terms", None), ("GET", f"{CODING}/terms/1", None),
                                   ("GET", f"{CODING}/dictionaries", None),
                                   ("PUT", f"{CODING}/dictionaries/meddra", {"version": MEDDRA}),
                                   ("POST", f"{CODING}/terms/1/decision", {"code": "1"}),
                                   ("POST", f"{CODING}/terms/1/queries", {"text": "?"})):
            response = api.call(user, method, path, json=body, params=None, headers={"If-Match": '"1"'})
            assert response.status_code == 403, (user, method, path, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
    assert api.call("dm", "GET", f"{CODING}/dictionaries").json() == {"study": [], "loaded": []}


def test_the_study_release_is_set_by_a_study_wide_data_manager_from_the_loaded_ones(api: Api) -> None:
    load_test_releases(api)
    site_restricted_data_manager(api, "dm01", "01")
    assert api.call("dm01", "PUT", f"{CODING}/dictionaries/meddra", json={"version": MEDDRA}).status_code == 403
    unknown = api.call("dm", "PUT", f"{CODING}/dictionaries/meddra", json={"version": "26.0"})
    assert unknown.status_code == 422 and "not loaded" in unknown.json()["detail"]
    assert api.call("dm", "PUT", f"{CODING}/dictionaries/snomed", json={"version": MEDDRA}).status_code == 404
    assert api.call("dm", "PUT", f"{CODING}/dictionaries/meddra", json={"version": ""}).status_code == 422
    use_releases(api)
    listed = api.call("dm", "GET", f"{CODING}/dictionaries").json()
    assert [(r["dictionary"], r["version"], r["set_by"]) for r in listed["study"]] == [
        ("meddra", MEDDRA, "dm"), ("whodrug", WHODRUG, "dm")]
    assert sorted((r["dictionary"], r["terms"]) for r in listed["loaded"]) == [("meddra", 9), ("whodrug", 6)]
    assert trail(api, "coding.dictionary") == [("meddra", None, f'"{MEDDRA}"', "dm"),
                                               ("whodrug", None, f'"{WHODRUG}"', "dm")]


def test_verbatim_terms_code_themselves_on_an_exact_match_and_the_rest_wait_in_the_queue(api: Api) -> None:
    load_test_releases(api)
    use_releases(api)
    number = screen(api)
    log(api, number, "adverse_events", adverse_event("1", aeterm="Headache"))  # a CTCAE v5.0 term
    log(api, number, "adverse_events", adverse_event("2", aeterm="  cytokine RELEASE   syndrome "))
    log(api, number, "adverse_events", adverse_event("3", aeterm="Cephalgia"))  # an LLT, not current
    log(api, number, "adverse_events", adverse_event("4", aeterm="Headache, bad"))
    log(api, number, "concomitant_medications", medication("Panadol"))
    log(api, number, "concomitant_medications", medication("Cold relief"))  # two drug records hold this name

    headache = term_of(api, number, "adverse_events", "aeterm", 1)
    assert (headache["status"], headache["dictionary"], headache["decision"]["method"]) == ("coded", "meddra", "auto")
    assert headache["decision"]["decided_by"] is None and headache["decision"]["version"] == MEDDRA
    assert headache["decision"]["levels"] == {
        "llt": "Headache", "llt_code": 90500001, "pt": "Headache", "pt_code": 90400001, "hlt": "Headaches NEC",
        "hlt_code": 90300001, "hlgt": "Headaches", "hlgt_code": 90200001, "soc": "Nervous system disorders",
        "soc_code": 90100001}
    crs = term_of(api, number, "adverse_events", "aeterm", 2)
    assert (crs["status"], crs["decision"]["levels"]["soc"]) == ("coded", "Immune system disorders")
    panadol = term_of(api, number, "concomitant_medications", "cmtrt", 1)
    assert panadol["decision"]["levels"] == {"drug": "PARACETAMOL", "drug_code": "90000101002",
                                             "atc_code": "N02BE", "atc": "Anilides"}
    queue = terms(api)
    assert [(t["subject_number"], t["form"], t["seq"], t["verbatim"], t["status"]) for t in queue] == [
        (number, "adverse_events", 3, "Cephalgia", "uncoded"),
        (number, "adverse_events", 4, "Headache, bad", "uncoded"),
        (number, "concomitant_medications", 2, "Cold relief", "uncoded")]
    assert [t["verbatim"] for t in terms(api, dictionary="whodrug")] == ["Cold relief"]
    assert [item for item, *_ in trail(api, "coding.auto")] == ["aeterm", "aeterm", "cmtrt"]


def test_terms_captured_before_a_release_is_set_are_coded_when_it_is(api: Api) -> None:
    number = screen(api)
    log(api, number, "adverse_events", adverse_event("1", aeterm="Nausea"))
    [waiting] = terms(api)
    assert (waiting["verbatim"], waiting["status"], waiting["decision"]) == ("Nausea", "uncoded", None)
    load_test_releases(api)
    use_releases(api)
    coded = term_of(api, number, "adverse_events", "aeterm")
    assert (coded["status"], coded["decision"]["levels"]["pt"]) == ("coded", "Nausea")
    assert terms(api) == []


def test_the_queue_is_scoped_to_the_data_managers_sites_and_pages_with_signed_cursors(api: Api) -> None:
    load_test_releases(api)
    use_releases(api)
    site_restricted_data_manager(api, "dm01", "01")
    ours, theirs = screen(api), screen(api, user="inv02", site="02")
    for spid in ("1", "2", "3"):
        log(api, ours, "adverse_events", adverse_event(spid, aeterm=f"Odd feeling {spid}"))
    log(api, theirs, "adverse_events", adverse_event("1", aeterm="Odd feeling elsewhere"), user="inv02")
    assert {t["subject_number"] for t in terms(api, user="dm01")} == {ours}
    assert {t["subject_number"] for t in terms(api)} == {ours, theirs}
    other = term_of(api, theirs, "adverse_events", "aeterm")
    hidden = api.call("dm01", "GET", f"{CODING}/terms/{other['id']}")
    assert hidden.status_code == 404 and hidden.headers["content-type"].startswith(PROBLEM)
    assert decide(api, other, "90500001", user="dm01").status_code == 404
    first = api.call("dm01", "GET", f"{CODING}/terms", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    second = api.call("dm01", "GET", f"{CODING}/terms", params={"limit": 2, "cursor": first["next"]}).json()
    assert [t["verbatim"] for t in second["items"]] == ["Odd feeling 3"] and second["next"] is None
    forged = api.call("dm01", "GET", f"{CODING}/terms", params={"limit": 2, "cursor": first["next"][:-2] + "AA"})
    assert forged.status_code == 422
    other_filter = api.call("dm01", "GET", f"{CODING}/terms", params={"status": "coded", "cursor": first["next"]})
    assert other_filter.status_code == 422
    assert api.call("dm", "GET", f"{CODING}/terms", params={"status": "maybe"}).status_code == 422


def test_a_decision_needs_the_version_read_and_a_codable_entry_and_is_audited(api: Api) -> None:
    _, term = waiting(api, "Headache, bad")
    path = f"{CODING}/terms/{term['id']}/decision"
    assert api.call("dm", "POST", path, json={"code": "90500002"}).status_code == 428
    assert api.call("dm", "POST", path, json={"code": "90500002"}, headers={"If-Match": '"9"'}).status_code == 412
    not_current = decide(api, term, "90500003")
    assert not_current.status_code == 422
    assert [(e["item"], e["value"]) for e in not_current.json()["errors"]] == [("code", "90500003")]
    assert decide(api, term, "12345678").status_code == 422
    assert decide(api, term, "90500002", atc_code="N02BE").json()["errors"][0]["item"] == "atc_code"
    assert decide(api, term, "x1").status_code == 422  # a code is digits

    coded = decide(api, term, "90500002", reason="bad headache is a head pain")
    assert coded.status_code == 200, coded.text
    assert coded.headers["ETag"] == f'"{term["version"] + 1}"'
    decision = coded.json()["decision"]
    assert (decision["method"], decision["decided_by"], decision["levels"]["pt"]) == ("manual", "dm", "Headache")
    assert trail(api, "coding.decide") == [("aeterm", None, f'"MedDRA {MEDDRA} 90500002 Head pain"', "dm")]
    assert decide(api, term, "90500001").status_code == 412  # the version read is gone
    assert terms(api) == []


def test_a_drug_with_several_atc_classes_takes_the_one_chosen(api: Api) -> None:
    load_test_releases(api)
    use_releases(api)
    number = screen(api)
    log(api, number, "concomitant_medications", medication("Cold relief"))
    term = term_of(api, number, "concomitant_medications", "cmtrt")
    found = api.call("dm", "GET", f"{CODING}/search", params={"dictionary": "whodrug", "text": "cold"}).json()
    assert [(e["code"], [a["code"] for a in e["atc"]]) for e in found] == [
        ("90000401001", ["R05X", "N02BE"]), ("90000501001", ["R05X"])]
    assert decide(api, term, "90000401001", atc_code="A04AA").status_code == 422
    coded = decide(api, term, "90000401001", atc_code="N02BE").json()
    assert coded["decision"]["levels"] == {"drug": "COLD RELIEF", "drug_code": "90000401001", "atc_code": "N02BE",
                                           "atc": "Anilides"}
    assert api.call("dm", "GET", f"{CODING}/search", params={"dictionary": "meddra", "text": ""}).status_code == 422


def test_a_correction_of_the_verbatim_term_reopens_its_coding_and_the_trail_keeps_the_decision(api: Api) -> None:
    number, term = waiting(api, "Headache, bad")
    assert decide(api, term, "90500002").status_code == 200
    correct_term(api, number, 1, "HEADACHE, BAD", 1)  # the same term written otherwise: the decision stands
    assert term_of(api, number, "adverse_events", "aeterm")["decision"]["code"] == "90500002"

    correct_term(api, number, 1, "Throbbing head", 2)
    reopened = term_of(api, number, "adverse_events", "aeterm")
    assert (reopened["status"], reopened["verbatim"], reopened["decision"]) == ("uncoded", "Throbbing head", None)
    assert [t["id"] for t in terms(api)] == [term["id"]]
    [(item, old, new, user)] = trail(api, "coding.reopen")
    assert (item, old, new, user) == ("aeterm", f'"MedDRA {MEDDRA} 90500002 Head pain"', None, None)

    correct_term(api, number, 1, "Tiredness", 3)  # the corrected term matches: coded again by itself
    again = term_of(api, number, "adverse_events", "aeterm")
    assert (again["status"], again["decision"]["method"], again["decision"]["levels"]["pt"]) == (
        "coded", "auto", "Fatigue")


def test_a_query_to_the_site_is_raised_from_the_queue(api: Api) -> None:
    number, term = waiting(api, "Flu-like")
    path = f"{CODING}/terms/{term['id']}/queries"
    body = {"text": "Flu-like: which symptoms? Please record the diagnosis or each sign."}
    raised = api.call("dm", "POST", path, json=body, headers={"Idempotency-Key": "flu-1"})
    assert raised.status_code == 201, raised.text
    query = raised.json()
    assert (query["subject_number"], query["form"], query["seq"], query["item"], query["origin"], query["status"]) == (
        number, "adverse_events", 1, "aeterm", "manual", "open")
    again = api.call("dm", "POST", path, json=body, headers={"Idempotency-Key": "flu-1"})
    assert again.status_code == 201 and again.json()["id"] == query["id"]
    site_view = api.call("inv01", "GET", f"/api/v1/studies/{STUDY}/queries", params={"subject": number}).json()
    assert [q["id"] for q in site_view["items"]] == [query["id"]]
    assert [t["id"] for t in terms(api)] == [term["id"]]  # still in the queue until coded
