"""An application's statuses and which of them a round works on.

Draft -> submitted -> (withdrawn) -> admissible / not admissible -> in round N -> advanced /
not advanced -> finalist -> winner / not winner.
"""

from __future__ import annotations

IN_PLAY = {"admissibility": ("submitted", "admissible", "not_admissible"),
           "final_pitch": ("finalist", "winner", "not_winner")}
DEFAULT_IN_PLAY = ("in_round", "advanced", "not_advanced", "finalist", "winner", "not_winner")
