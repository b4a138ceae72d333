"""Schemathesis against the live app on loopback, with tokens of three roles (organiser, juror, sponsor): no server
error and no answer outside the OpenAPI document (status, content type, body schema). A bounded number of
examples per call keeps it near a minute."""

from __future__ import annotations

import os
import socket
import threading
import time

import httpx
import hypothesis
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import SLUG, account, application, assignment, example_edition, open_round
from tests.integration.test_api_tokens import bearer, token_for

EXAMPLES = int(os.environ.get("GIURIA_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_app(app):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def fuzz(operation, *, base_url: str, headers: dict[str, str], calls: list[str]):
    """A Hypothesis test calling `operation` on the live app with cases drawn from its schema."""

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def call(case) -> None:
        if "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = SLUG  # the real edition, so calls reach its data
        calls.append(operation.label)
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    return call


# 25 calls x 3 tokens x GIURIA_FUZZ_EXAMPLES: one minute on SQLite, up to six on PostgreSQL on a loaded machine.
@pytest.mark.timeout(900)
def test_every_call_answers_as_its_document_says_for_three_roles(settings, live_app):
    edition = example_edition()
    open_round(edition.rounds["R1"], blind=False)
    olga = account("olga@foundation.example", role="organiser")
    anna = account("anna@jury.example", role="juror")
    aurora = account("aurora@sponsor.example", role="sponsor",
                     organisation=edition.organisations["Fondazione Aurora (demo)"])
    entry = application(edition, owner=account("ada@coop.example", role="applicant"), status="submitted")
    assignment(edition.rounds["R1"], entry, anna)
    tokens = {"organiser": token_for(olga, scope="write"), "juror": token_for(anna, scope="write"),
              "sponsor": token_for(aurora)}

    schema = schemathesis.openapi.from_url(f"{live_app}/schema/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25  # every token call, the organiser console and mentoring ones included
    calls = []
    for role, secret in tokens.items():
        for operation in operations:
            try:
                fuzz(operation, base_url=live_app, headers=bearer(secret), calls=calls)()
            except Exception as failure:
                failure.add_note(f"with the {role}'s token, on {operation.label}")
                raise
    assert len(calls) >= len(operations) * len(tokens)
