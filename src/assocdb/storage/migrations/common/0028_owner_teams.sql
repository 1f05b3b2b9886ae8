-- Owner teams (GET /crm/v3/owners: ``teams`` of {id, name, primary}). A portal's teams are
-- named once (case-insensitive) and numbered from the crm_counters row 'team'; an owner
-- keeps its teams, primary first, as JSON in ``owners.teams``. The same text runs on SQLite
-- and PostgreSQL.

CREATE TABLE owner_teams (
    portal_id BIGINT NOT NULL REFERENCES portals (portal_id),
    team_id   BIGINT NOT NULL,
    name_key  TEXT   NOT NULL,
    name      TEXT   NOT NULL,
    PRIMARY KEY (portal_id, team_id)
);

CREATE UNIQUE INDEX owner_teams_name ON owner_teams (portal_id, name_key);

ALTER TABLE owners ADD COLUMN teams TEXT NOT NULL DEFAULT '[]';
