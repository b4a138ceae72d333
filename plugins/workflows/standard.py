"""The jury workflows every edition can use; the juror workspace runs them."""

from core.hookspecs import hookimpl
from core.plugin_api import WorkflowDefinition

WORKFLOWS = [
    WorkflowDefinition(
        name="checklist",
        label={"it": "Checklist di ammissibilità", "en": "Admissibility checklist"},
        round_kinds=("admissibility",),
        description={"it": "Voci superato/non superato con motivazione; secondo revisore facoltativo.",
                     "en": "Pass/fail items with reasons; optional second reviewer."},
    ),
    WorkflowDefinition(
        name="rubric",
        label={"it": "Valutazione con griglia, indipendente", "en": "Rubric scoring, independent"},
        round_kinds=("screening", "final_pitch"),
    ),
    WorkflowDefinition(
        name="consensus",
        label={"it": "Indipendente, poi consenso", "en": "Independent, then consensus"},
        round_kinds=("screening", "final_pitch"),
    ),
    WorkflowDefinition(
        name="pairwise",
        label={"it": "Confronti a coppie", "en": "Pairwise comparison"},
        round_kinds=("screening", "final_pitch"),
    ),
    WorkflowDefinition(
        name="ranked-vote",
        label={"it": "Voto a classifica", "en": "Ranked vote"},
        round_kinds=("final_pitch",),
    ),
]


@hookimpl(trylast=True)
def giuria_workflows() -> list[WorkflowDefinition]:
    return list(WORKFLOWS)
