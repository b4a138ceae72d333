"""From reviews to decisions: round results, the leaderboard, advancement, awards and exports."""
