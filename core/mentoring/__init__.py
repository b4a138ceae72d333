"""The finalists' path: mentor matching, sessions, milestones, KPIs, events and dashboards, and whether the
jury picked well (validity)."""
