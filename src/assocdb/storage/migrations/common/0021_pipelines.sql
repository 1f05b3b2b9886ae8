-- Pipelines with their stages, one row per pipeline (the stages are a small JSON list:
-- a pipeline has at most 100). A portal's pipelines of one object type are changed
-- together in one transaction (domain/pipelines.py); the row 'pipelines:{type}' of
-- crm_counters marks that the portal has stored them (until then it has the defaults).
-- The same text runs on SQLite and PostgreSQL.

CREATE TABLE pipelines (
    portal_id   BIGINT NOT NULL REFERENCES portals (portal_id),
    object_type TEXT   NOT NULL,
    pipeline_id TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    PRIMARY KEY (portal_id, object_type, pipeline_id)
);
