"""Rubrics modelled on how Welfare, che impresa! juries judge social start-ups.

The call never published weights or scales; these follow common practice (weighted 1–5
screening with thresholds on impact and sustainability, a finer 1–10 scale for the pitch).
"""

from core.hookspecs import hookimpl
from core.plugin_api import Anchor, Criterion, Rubric


def _five_point_anchors(low_it: str, low_en: str, high_it: str, high_en: str) -> tuple[Anchor, ...]:
    return (
        Anchor(1, {"it": low_it, "en": low_en}),
        Anchor(2, {"it": "Debole", "en": "Weak"}),
        Anchor(3, {"it": "Adeguato", "en": "Adequate"}),
        Anchor(4, {"it": "Buono", "en": "Good"}),
        Anchor(5, {"it": high_it, "en": high_en}),
    )


SCREENING = Rubric(
    name="welfare-screening",
    label={"it": "Giuria online – Welfare (1–5)", "en": "Online jury – Welfare (1–5)"},
    description={
        "it": "Cinque criteri pesati su scala 1–5, con soglie minime su impatto e sostenibilità.",
        "en": "Five weighted criteria on a 1–5 scale, with minimum thresholds on impact and sustainability.",
    },
    criteria=(
        Criterion(
            code="IMP", weight=30, min=1, max=5, step=1, threshold=3,
            label={"it": "Impatto sociale e occupazionale", "en": "Social and employment impact"},
            guidance={"it": "Chi beneficia, quanto, con quali metriche; posti di lavoro, anche per persone "
                            "svantaggiate.",
                      "en": "Who benefits, how much, measured how; jobs created, including for "
                            "disadvantaged people."},
            anchors=_five_point_anchors("Impatto non dimostrato", "No demonstrated impact",
                                        "Impatto ampio e misurato", "Broad, measured impact"),
        ),
        Criterion(
            code="INN", weight=20, min=1, max=5, step=1,
            label={"it": "Innovatività e uso della tecnologia", "en": "Innovation and use of technology"},
            guidance={"it": "Novità della soluzione rispetto alle alternative e ruolo della tecnologia.",
                      "en": "How new the solution is against alternatives, and the role of technology."},
            anchors=_five_point_anchors("Nessuna novità", "Nothing new",
                                        "Fortemente innovativo", "Strongly innovative"),
        ),
        Criterion(
            code="SOS", weight=20, min=1, max=5, step=1, threshold=2,
            label={"it": "Sostenibilità economica", "en": "Economic sustainability"},
            guidance={"it": "Modello di ricavi, piano economico a tre anni, dipendenza da contributi.",
                      "en": "Revenue model, three-year plan, reliance on grants."},
            anchors=_five_point_anchors("Non sostenibile", "Not sustainable",
                                        "Sostenibile e credibile", "Sustainable and credible"),
        ),
        Criterion(
            code="TEA", weight=15, min=1, max=5, step=1,
            label={"it": "Team e capacità di realizzazione", "en": "Team and ability to deliver"},
            anchors=_five_point_anchors("Competenze assenti", "Skills missing",
                                        "Team completo ed esperto", "Complete, experienced team"),
        ),
        Criterion(
            code="RET", weight=15, min=1, max=5, step=1,
            label={"it": "Rete territoriale, scalabilità e replicabilità",
                   "en": "Local network, scalability and replicability"},
            anchors=_five_point_anchors("Nessuna rete", "No network",
                                        "Rete solida, replicabile altrove", "Strong network, replicable"),
        ),
    ),
)

FINAL_PITCH = Rubric(
    name="welfare-final-pitch",
    label={"it": "Finale – pitch (1–10)", "en": "Final pitch (1–10)"},
    criteria=(
        Criterion(code="IMP", weight=30, min=1, max=10, step=0.5,
                  label={"it": "Impatto sociale e occupazionale", "en": "Social and employment impact"}),
        Criterion(code="SOS", weight=25, min=1, max=10, step=0.5,
                  label={"it": "Sostenibilità economica", "en": "Economic sustainability"}),
        Criterion(code="TEA", weight=20, min=1, max=10, step=0.5,
                  label={"it": "Team e capacità di esecuzione", "en": "Team and execution"}),
        Criterion(code="INN", weight=15, min=1, max=10, step=0.5,
                  label={"it": "Innovatività", "en": "Innovation"}),
        Criterion(code="PIT", weight=10, min=1, max=10, step=0.5,
                  label={"it": "Qualità della presentazione", "en": "Quality of the pitch"}),
    ),
)


@hookimpl(trylast=True)
def giuria_rubrics() -> list[Rubric]:
    return [SCREENING, FINAL_PITCH]
