"""Composite uniqueness and the lookups the hot paths make, as indexes both engines accept."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_edition_partner_edition_organisation_role ON edition_partner (edition, organisation, role)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_timeline_entry_edition_code ON timeline_entry (edition, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_track_edition_code ON track (edition, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_area_edition_code ON area (edition, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_round_edition_code ON round (edition, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_prize_edition_code ON prize (edition, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_role_grant_account_edition_role ON role_grant (account, edition, role)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_application_edition_applicant ON application (edition, applicant)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_assignment_round_application_juror ON assignment (round, application, juror)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_criterion_score_review_criterion ON criterion_score (review, criterion)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_decision_round_application ON decision (round, application)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_milestone_edition_code ON milestone (edition, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_kpi_definition_edition_code ON kpi_definition (edition, code)",
    "CREATE INDEX IF NOT EXISTS ix_application_edition_status ON application (edition, status)",
    "CREATE INDEX IF NOT EXISTS ix_assignment_juror_round ON assignment (juror, round)",
    "CREATE INDEX IF NOT EXISTS ix_assignment_application ON assignment (application)",
    "CREATE INDEX IF NOT EXISTS ix_team_member_application ON team_member (application)",
    "CREATE INDEX IF NOT EXISTS ix_attachment_application ON attachment (application)",
    "CREATE INDEX IF NOT EXISTS ix_consent_record_account ON consent_record (account)",
    "CREATE INDEX IF NOT EXISTS ix_conflict_of_interest_application_juror ON conflict_of_interest (application, juror)",
    "CREATE INDEX IF NOT EXISTS ix_audit_event_edition_at ON audit_event (edition, at)",
    "CREATE INDEX IF NOT EXISTS ix_outgoing_mail_status_next_attempt_at ON outgoing_mail (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS ix_rate_limit_hit_key_at ON rate_limit_hit (key, at)",
    "CREATE INDEX IF NOT EXISTS ix_kpi_value_application_kpi ON kpi_value (application, kpi)",
    "CREATE INDEX IF NOT EXISTS ix_mentor_match_mentor ON mentor_match (mentor)",
]

ID = "2026-11-25T07:54:48:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giuria", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in INDEXES:
            await engine.run_ddl(statement)

    manager.add_raw(create_indexes)
    return manager
