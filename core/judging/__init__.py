"""The jury at work: rounds opened and closed, jurors' bids and calibration, assignments, reviews, consensus,
comparative rounds (pairwise, ranked votes), progress, blind rounds' redaction and jurors' clarifications."""
