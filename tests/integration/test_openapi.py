"""The OpenAPI document says what the API answers, 404s included, and a 405 says which methods are allowed."""

from __future__ import annotations

import json
from pathlib import Path

from core.editions.competitions import import_competition_text
from tests.conftest import run

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")


def test_the_document_lists_the_404_the_detail_call_really_answers(client):
    run(import_competition_text(EXAMPLE))
    schema = json.loads(client.get("/schema/openapi.json").text)
    detail = schema["paths"]["/api/v1/editions/{slug}"]["get"]["responses"]
    assert set(detail) >= {"200", "404", "503"}
    problem = detail["404"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    documented = schema["components"]["schemas"][problem]
    assert set(documented["required"]) == {"status", "title", "detail"}
    listing = schema["paths"]["/api/v1/editions"]["get"]["responses"]
    assert set(listing) >= {"200", "503"}

    answered = client.get("/api/v1/editions/no-such-edition")
    assert answered.status_code == 404
    assert set(answered.json()) == set(documented["properties"])  # the body is what the document promises
    assert answered.json()["status"] == 404


def test_a_405_names_the_allowed_methods(client):
    for path, allowed in (("/api/v1/editions", {"GET"}), ("/api/v1/editions/anything", {"GET"}),
                          ("/login", {"GET", "POST"}), ("/", {"GET"})):
        response = client.delete(path)
        assert response.status_code == 405, path
        assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}, (path, response.headers)
    api = client.put("/api/v1/editions")
    assert api.status_code == 405 and api.json()["status"] == 405 and "GET" in api.headers["allow"]


def test_the_document_lists_the_organiser_and_mentoring_calls_with_their_bodies(client):
    schema = json.loads(client.get("/schema/openapi.json").text)
    calls = {
        ("/api/v1/editions/{slug}/structure", "get"): "EditionStructureOut",
        ("/api/v1/editions/{slug}/rounds/{round_code}/assignments", "get"): "RoundAssignmentsOut",
        ("/api/v1/editions/{slug}/rounds/{round_code}/assignments", "post"): "CreatedOut",
        ("/api/v1/editions/{slug}/rounds/{round_code}/publication", "get"): "PublicationOut",
        ("/api/v1/editions/{slug}/rounds/{round_code}/publication", "post"): "PublishedOut",
        ("/api/v1/editions/{slug}/audit", "get"): "AuditPageOut",
        ("/api/v1/editions/{slug}/mentoring/paths/{application_id}", "get"): "PathOut",
        ("/api/v1/editions/{slug}/mentoring/paths/{application_id}/kpis", "post"): "ChangedOut",
    }
    for (path, method), struct in calls.items():
        responses = schema["paths"][path][method]["responses"]
        [success] = {"200", "201"} & set(responses)
        assert responses[success]["content"]["application/json"]["schema"]["$ref"].endswith(struct), (path, method)
    removal = schema["paths"]["/api/v1/editions/{slug}/rounds/{round_code}/assignments/{assignment_id}"]["delete"]
    assert "204" in removal["responses"] and "409" in removal["responses"]
    body = schema["paths"]["/api/v1/editions/{slug}/rounds/{round_code}/publication"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["required"]) == {"expected_count", "expected_fingerprint"}
    matches = schema["paths"]["/api/v1/editions/{slug}/mentoring/matches"]["get"]["responses"]["200"]
    assert matches["content"]["application/json"]["schema"]["items"]["$ref"].endswith("MatchOut")
