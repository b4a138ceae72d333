"""Combined rankings over HTTP on both engines: 30% online jury + 70% final pitch, on the results, advancement
and awards pages, with intervals that carry both rounds' uncertainty."""

from __future__ import annotations

import re
from pathlib import Path

from core.editions import access
from core.editions.competitions import import_competition_text
from core.people import accounts
from core.people.accounts import load_session_user
from core.platform.tables import Area, Edition, Round, Track
from core.results.board import round_leaderboard
from core.results.combined import combined_ranking
from tests import factories
from tests.conftest import run, sign_in

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "welfare-che-impresa.yaml").read_text(encoding="utf-8")
PASSWORD = "correct-horse-battery"
SLUG = "welfare-comunita-2026"
EN = {"accept-language": "en"}
# name, track, area, two online-jury totals (1–5), two final-pitch totals (1–10)
ENTRIES = (
    ("Alfa", "AGR", "NORD", (5, 5), (6, 7)),
    ("Beta", "PAT", "SUD", (3, 3), (8, 8)),
    ("Gamma", "AGR", "CENTRO", (3, 4), (7, 7)),
)
# Plain means, each round on its own footing, (mean - low) / (high - low):
#   Alfa  0.3 * (5 - 1) / 4   + 0.7 * (6.5 - 1) / 9 = 0.300 + 0.428 = 0.728
#   Beta  0.3 * (3 - 1) / 4   + 0.7 * (8 - 1) / 9   = 0.150 + 0.544 = 0.694
#   Gamma 0.3 * (3.5 - 1) / 4 + 0.7 * (7 - 1) / 9   = 0.188 + 0.467 = 0.654
# The final pitch alone ranks Beta, Gamma, Alfa; combined, Alfa, Beta, Gamma.


def seed(client) -> dict:
    # plain means in both rounds, so that the numbers can be checked by hand
    run(import_competition_text(EXAMPLE.replace("normalisation: additive", "normalisation: none").replace(
        "rubric: welfare-final-pitch\n", "rubric: welfare-final-pitch\n    normalisation: none\n")))
    edition = run(Edition.select(Edition.id).first())["id"]
    tracks = {t["code"]: t["id"] for t in run(Track.select(Track.id, Track.code))}
    areas = {a["code"]: a["id"] for a in run(Area.select(Area.id, Area.code))}
    organiser = run(accounts.create_account(email="olga@foundation.example", password=PASSWORD, verified=True,
                                            locale="en"))
    run(access.grant_role(account_id=organiser, role="organiser", edition_slug=SLUG))
    jurors = [run(accounts.create_account(email=f"j{i}@jury.example", password=PASSWORD, verified=True))
              for i in (1, 2)]
    rounds = {r["code"]: r["id"] for r in run(Round.select(Round.id, Round.code))}
    codes = {"R1": ("IMP", "INN", "SOS", "TEA", "RET"), "R3": ("IMP", "SOS", "TEA", "INN", "PIT")}
    ids = {}
    for name, track, area, online, pitch in ENTRIES:
        owner = run(accounts.create_account(email=f"{name.lower()}@applicant.example", password=PASSWORD,
                                            verified=True))
        ids[name] = factories.application_in(
            edition, owner=owner, track=tracks[track], area=areas[area], entity_name=f"{name} APS",
            title=f"Progetto {name}", status="finalist")
        for code, totals in (("R1", online), ("R3", pitch)):
            for juror, total in zip(jurors, totals, strict=True):
                assignment = factories.assignment(rounds[code], ids[name], juror)
                factories.review(assignment, dict.fromkeys(codes[code], total), total=total)
    sign_in(client, "olga@foundation.example", PASSWORD)
    return {"ids": ids, "organiser": organiser}


def test_the_final_round_ranks_by_the_declared_combination_everywhere(client, settings):
    seed(client)
    page = client.get(f"/organise/{SLUG}/rounds/R3/results", headers=EN)
    assert page.status_code == 200
    section = page.text.split('id="combined"', 1)[1].split("</section>", 1)[0]
    assert "Ranking used for advancement and awards: combined — 30% Online jury + 70% Final pitch." in section
    assert "Online jury (30%)" in section and "Final pitch (70%)" in section
    rows = re.findall(r'<tr><td>(\d)</td><th scope="row">(\w+) APS</th><td>([\d.]+)</td><td>([\d.]+)</td>\s*'
                      r'<td>([\d.]+)</td>', section)
    assert rows == [("1", "Alfa", "5.00", "6.50", "0.728"), ("2", "Beta", "3.00", "8.00", "0.694"),
                    ("3", "Gamma", "3.50", "7.00", "0.654")]
    # the online jury's own page has no combination of its own
    online = client.get(f"/organise/{SLUG}/rounds/R1/results", headers=EN)
    assert online.status_code == 200 and 'id="combined"' not in online.text

    advancement = client.get(f"/organise/{SLUG}/rounds/R3/advancement", headers=EN)
    assert advancement.status_code == 200
    assert "Ranking used:</strong> combined — 30% Online jury + 70% Final pitch" in advancement.text
    order = [m for m in re.findall(r"(Alfa|Beta|Gamma) APS", advancement.text)]
    assert list(dict.fromkeys(order)) == ["Alfa", "Beta", "Gamma"]
    plain = client.get(f"/organise/{SLUG}/rounds/R1/advancement", headers=EN)
    assert re.search(r"Ranking used:</strong> this round(&#39;|')s results</p>", plain.text)

    awards = client.get(f"/organise/{SLUG}/awards", headers=EN)
    assert awards.status_code == 200
    assert "Ranking used:</strong> combined — 30% Online jury + 70% Final pitch" in awards.text
    places = dict((name, int(place)) for place, name in re.findall(r"(\d)\. (\w+) APS", awards.text))
    assert places == {"Alfa": 1, "Beta": 2, "Gamma": 3}


def test_combined_intervals_carry_both_rounds_uncertainty(client, settings):
    setup = seed(client)
    actor = run(load_session_user(setup["organiser"], 0))
    combined = run(combined_ranking(actor=actor, edition_slug=SLUG, round_code="R3", settings=settings))
    assert combined.intervals and [r.entry for r in combined.rows] == [setup["ids"][n] for n in ("Alfa", "Beta",
                                                                                                "Gamma")]
    boards = {code: {r.entry: r for r in run(round_leaderboard(actor=actor, edition_slug=SLUG, round_code=code,
                                                               settings=settings)).rows} for code in ("R1", "R3")}
    footing = {"R1": (0.3, 4.0), "R3": (0.7, 9.0)}  # share, width of the scale
    for row in combined.rows:
        assert row.low <= row.score <= row.high
        width = row.high - row.low
        shares = []
        for code, (share, scale) in footing.items():
            own = boards[code][row.entry]
            shares.append(share * (own.high - own.low) / scale)
        # wider than (or as wide as) each round's own share of the final, narrower than their plain sum
        assert width >= max(shares) - 1e-3
        assert width <= sum(shares) + 1e-3
    assert all(r.high - r.low > 0 for r in combined.rows)
