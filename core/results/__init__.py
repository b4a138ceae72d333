"""From reviews to decisions: round results, the leaderboard and combined rankings, the organiser's board and
dashboard, advancement, awards, appeals, feedback to applicants, the fairness audit and exports, with costly
results kept once computed."""
