"""The finalists' path: mentor matching, sessions, milestones, KPIs, events and dashboards."""
