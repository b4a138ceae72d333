"""The jury at work: assignments, reviews, consensus, comparative rounds (pairwise, ranked votes) and progress."""
