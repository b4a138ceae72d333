"""The juror pages' plain-SQL reads give what the Piccolo queries they replaced gave, on the demo's blind online
jury (redacted answers, drafts and submitted reviews, three jurors per entry), on both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from core.applications.form import sections_of, stored_form
from core.applications.lifecycle import DEFAULT_IN_PLAY, IN_PLAY
from core.cli.demo import load_demo
from core.editions.rubrics import rubric_from_mapping, rubric_to_mapping
from core.judging import redaction, review_queries, reviews
from core.platform import db
from core.platform.tables import (
    AnswerRedaction,
    Application,
    Assignment,
    Attachment,
    Clarification,
    CriterionScore,
    Edition,
    Review,
    Round,
    TeamMember,
)
from tests.conftest import run

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

def online_jury():
    """The round of the demo edition whose online jury has reviews (2027 has an R1 too, still empty)."""
    return Round.select(Round.id).where(Round.code == "R1", Round.edition.slug == "welfare-comunita-2026").first()


async def _old_gate(round_row: dict) -> dict[int, int | None]:
    """Each entry the round's jurors may read, with its stored count (None: not counted for this version)."""
    ids = await redaction.round_entries(round_row)
    sections = stored_form(round_row["edition.application_form"])
    rows = await AnswerRedaction.select(
        AnswerRedaction.application, AnswerRedaction.unreviewed, AnswerRedaction.checked_version,
        AnswerRedaction.application.version).where(
        AnswerRedaction.application.is_in(ids), AnswerRedaction.detector == redaction.checker(sections))
    counts = {row["application"]: int(row["unreviewed"]) for row in rows
              if row["checked_version"] == row["application.version"]}
    return {i: counts.get(i) for i in ids}


async def _compare_everything() -> int:
    checked = 0
    round_row = await reviews._round((await online_jury())["id"])
    assert round_row["blind"]
    # JSON comes back decoded, but the form stays text for the parse kept per distinct content
    assert isinstance(round_row["name"], dict) and isinstance(round_row["edition.enabled_plugins"], list)
    assert isinstance(round_row["edition.application_form"], str)
    assignments = await Assignment.select().where(Assignment.round == round_row["id"]).order_by(Assignment.id)
    assert len(assignments) > 20

    # the gate: every readable entry, each with the count stored for its current version (or none)
    rows = await review_queries.gate_rows(
        round_id=round_row["id"], edition_id=round_row["edition"],
        statuses=list(IN_PLAY.get(round_row["kind"], DEFAULT_IN_PLAY)),
        detector=redaction.form_checker(round_row["edition.application_form"]))
    new_counts = {row["id"]: int(row["unreviewed"]) if row["unreviewed"] is not None
                  and row["checked_version"] == row["version"] else None for row in rows}
    assert new_counts == await _old_gate(round_row)
    assert [row["id"] for row in rows] == sorted(new_counts)
    assert (await redaction.round_gate(round_row)).open  # the demo's organiser redacted everything

    for assignment in assignments:
        # the entry: only for the juror it is assigned to
        found = await review_queries.assignment_entry(assignment["id"], assignment["juror"])
        if assignment["status"] == "recused":
            assert found is None
            continue
        own, round_part, entry = found
        own_review = own.pop("own_review")
        assert own == {key: assignment[key] for key in own}
        assert set(own) == {"id", "status", "conflict_checked_at", "origin", "application", "round", "juror"}
        assert round_part == round_row
        application = await Application.select(
            Application.id, Application.entity_name, Application.answers, Application.track.name).output(
            load_json=True).where(Application.id == assignment["application"]).first()
        lists = {key: entry.pop(key) for key in ("attachments", "team", "clarifications")}
        assert entry == application
        # its files, team and the round's questions about it, as Piccolo reads them
        assert lists["attachments"] == await Attachment.select(
            Attachment.id, Attachment.field, Attachment.content_type, Attachment.size_bytes).where(
            Attachment.application == application["id"]).order_by(Attachment.id)
        assert lists["team"] == await TeamMember.select(
            TeamMember.full_name, TeamMember.role).where(TeamMember.application == application["id"]).order_by(
            TeamMember.position)
        assert lists["clarifications"] == await _questions(round_part["id"], application["id"])
        assert await review_queries.assignment_entry(assignment["id"], assignment["juror"] + 1000) is None

        # the juror's own review with its scores, read alone and with the entry
        review, scores = await review_queries.own_review(assignment["id"])
        assert own_review == (review, scores)
        old = await Review.select().output(load_json=True).where(Review.assignment == assignment["id"]).first()
        if old is None:
            assert (review, scores) == (None, [])
        else:
            assert {key: review[key] for key in ("id", "status", "overall_comment", "feedback_to_applicant",
                                                 "confidence", "version", "total")} == \
                {key: old[key] for key in ("id", "status", "overall_comment", "feedback_to_applicant",
                                           "confidence", "version", "total")}
            assert review["checklist"] == old["checklist"]
            old_scores = await CriterionScore.select(
                CriterionScore.criterion, CriterionScore.value, CriterionScore.comment).where(
                CriterionScore.review == old["id"]).order_by(CriterionScore.id)
            assert scores == old_scores and scores
            async with db.write_transaction():  # the save's locked read gives the same
                assert await review_queries.own_review(assignment["id"], lock=True) == (review, scores)
            checked += 1


    # each juror's dashboard rows, in the same order with the same values
    reopened = 0
    for juror in sorted({a["juror"] for a in assignments}):
        old_rows = await Assignment.select(
            Assignment.id, Assignment.status, Assignment.conflict_checked_at, Assignment.application,
            Assignment.round, Assignment.round.code, Assignment.round.name, Assignment.round.closes_at,
            Assignment.round.opens_at, Assignment.round.status,
            Assignment.round.blind, Assignment.round.workflow, Assignment.round.edition.enabled_plugins,
            Assignment.round.edition.slug, Assignment.round.edition.title, Assignment.round.edition.time_zone,
            Assignment.application.title, Assignment.application.track.name,
        ).output(load_json=True).where(Assignment.juror == juror, Assignment.status != "recused").order_by(
            Assignment.round).order_by(Assignment.application)
        new_rows = await review_queries.dashboard_rows(juror)
        assert len(new_rows) == len(old_rows) > 0
        for new, old in zip(new_rows, old_rows, strict=True):
            # open again after an upheld appeal: what the review page asks of the same assignment
            new = dict(new)
            origin = (await Assignment.select(Assignment.origin).where(Assignment.id == old["id"]).first())["origin"]
            flag = bool(new.pop("reopened"))
            assert flag == await reviews.reopened_by_appeal(
                {"origin": origin, "round": old["round"], "application": old["application"]})
            reopened += flag
            assert set(new) == set(old)
            assert {k: bool(v) if k == "round.blind" else v for k, v in new.items()} == \
                {k: bool(v) if k == "round.blind" else v for k, v in old.items()}
    assert reopened > 0  # the demo's upheld appeal sent an entry back to new jurors: both answers were compared

    # the rounds a chair may have, by workflow and edition (every workflow the demo's rounds use)
    workflows = sorted({r["workflow"] for r in await Round.select(Round.workflow)})
    slugs = ["welfare-comunita-2026", "welfare-comunita-2027"]
    old_chaired = await Round.select(
        Round.id, Round.code, Round.name, Round.settings, Round.closes_at, Round.edition.slug, Round.edition.title,
        Round.edition.time_zone, Round.workflow, Round.edition.enabled_plugins).output(
        load_json=True).where(
        Round.workflow.is_in(workflows), Round.edition.slug.is_in(slugs)).order_by(Round.position).order_by(Round.id)
    new_chaired = await review_queries.chaired_rounds(workflows=workflows, edition_slugs=slugs)
    assert len(new_chaired) == len(old_chaired) > 1
    assert new_chaired == old_chaired
    assert await review_queries.chaired_rounds(workflows=workflows, edition_slugs=["elsewhere"]) == []

    # what a juror of the blind round reads is the copy the organiser's review shows, text by text
    sections = stored_form(round_row["edition.application_form"])
    entries = await redaction._entries(sorted({a["application"] for a in assignments}))
    redacted = 0
    for entry in entries.values():
        shown = [(s.unit.path, s.shown) for s in redaction.shown_texts(entry, sections)]
        assert shown == [(u.unit.path, u.shown) for u in redaction._review(entry, sections).units]
        redacted += sum(text != s.unit.text for s, (_path, text) in
                        zip(redaction.shown_texts(entry, sections), shown, strict=True))
    assert redacted > 0  # some texts really were masked, so the comparison covered the masking path
    return checked


def test_the_juror_pages_plain_sql_reads_match_the_piccolo_queries(settings):
    run(load_demo(now=NOW, settings=settings))
    assert run(_compare_everything()) > 5


def test_a_parsed_form_and_rubric_are_kept_by_their_content_so_an_edit_is_read_at_once(settings):
    run(load_demo(now=NOW, settings=settings))
    edition = run(Edition.select(Edition.id, Edition.application_form).where(
        Edition.slug == "welfare-comunita-2026").first())
    text = edition["application_form"] if isinstance(edition["application_form"], str) \
        else json.dumps(edition["application_form"])
    assert stored_form(text) == sections_of(json.loads(text))
    assert stored_form(json.loads(text)) == sections_of(json.loads(text))
    # an edited form is another text: its own parse, never the cached one
    form = json.loads(text)
    form[0]["questions"] = form[0]["questions"][1:]
    edited = json.dumps(form)
    assert len(stored_form(edited)[0].questions) == len(stored_form(text)[0].questions) - 1
    # a caller changing its list does not change what the next caller gets
    first = stored_form(text)
    first.pop()
    assert len(stored_form(text)) == len(first) + 1

    round_row = run(reviews._round(run(online_jury())["id"]))
    offered = reviews.round_rubric(round_row)  # the demo never froze it: the plugin's rubric
    frozen = rubric_to_mapping(offered)
    stored = {**round_row, "rubric": json.dumps(frozen)}
    assert reviews.round_rubric(stored) == rubric_from_mapping(frozen, name=frozen.get("name")
                                                               or round_row["rubric_name"] or round_row["code"])
    assert reviews.round_rubric(stored) == offered
    frozen["criteria"][0]["weight"] = 7
    changed = {**round_row, "rubric": json.dumps(frozen)}
    assert reviews.round_rubric(changed).criteria[0].weight == 7
    assert reviews.round_rubric(stored).criteria[0].weight == offered.criteria[0].weight


async def _questions(round_id: int, application_id: int) -> list[dict]:
    return await Clarification.select(
        Clarification.id, Clarification.asked_by, Clarification.question, Clarification.question_sent,
        Clarification.status, Clarification.answer_shown, Clarification.due_at, Clarification.decline_reason,
    ).where(Clarification.round == round_id, Clarification.application == application_id).order_by(Clarification.id)


async def _compare_save_and_dashboard_reads() -> tuple[int, int]:
    round_row = await reviews._round((await online_jury())["id"])
    assignments = await Assignment.select().where(Assignment.round == round_row["id"]).order_by(Assignment.id)
    compared = asked = 0
    for assignment in assignments:
        # the save's read: the same assignment and round as the page's, for its juror only, locked or not
        found = await review_queries.assignment_round(assignment["id"], assignment["juror"])
        entry = await review_queries.assignment_entry(assignment["id"], assignment["juror"])
        if assignment["status"] == "recused":
            assert found is None and entry is None
            continue
        assert found == ({key: value for key, value in entry[0].items() if key != "own_review"}, entry[1])
        assert found[1] == round_row
        async with db.write_transaction():
            assert await review_queries.assignment_round(assignment["id"], assignment["juror"], lock=True) == found
        assert await review_queries.assignment_round(assignment["id"], assignment["juror"] + 1000) is None
        # the questions about the entry, as Piccolo read them
        questions = await _questions(round_row["id"], assignment["application"])
        assert entry[2]["clarifications"] == questions
        asked += len(questions)
        compared += 1
    # several rounds at once, each as the one-round read gives it
    ids = [row["id"] for row in await Round.select(Round.id)]
    together = await review_queries.rounds(ids)
    assert sorted(together) == sorted(ids) and len(ids) > 2
    for round_id in ids:
        assert together[round_id] == await reviews._round(round_id)
    assert await review_queries.rounds([]) == {}
    return compared, asked


def test_the_save_and_dashboard_reads_match_the_one_round_reads(settings):
    run(load_demo(now=NOW, settings=settings))
    compared, asked = run(_compare_save_and_dashboard_reads())
    assert compared > 5 and asked > 0  # the demo's answered question is among them, its due date read back
