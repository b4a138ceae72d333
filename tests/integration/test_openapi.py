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
