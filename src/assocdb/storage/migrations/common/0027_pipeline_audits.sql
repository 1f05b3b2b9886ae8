-- The audit of pipeline and stage changes (GET /crm/v3/pipelines/{type}/{id}/audit and
-- .../stages/{stageId}/audit): one row per change of a pipeline (stage_id '') or of a
-- stage, written in the change's own transaction (domain/pipelines.py). ``seq`` orders
-- the rows of a portal's type: changes of one type are serialised, so MAX(seq) + 1 is
-- unique. The same text runs on SQLite and PostgreSQL.

CREATE TABLE pipeline_audits (
    portal_id   BIGINT NOT NULL REFERENCES portals (portal_id),
    object_type TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    pipeline_id TEXT   NOT NULL,
    stage_id    TEXT   NOT NULL,
    action      TEXT   NOT NULL,
    at_ms       BIGINT NOT NULL,
    body        TEXT   NOT NULL,
    PRIMARY KEY (portal_id, object_type, seq)
);

CREATE INDEX pipeline_audits_target ON pipeline_audits
    (portal_id, object_type, pipeline_id, stage_id, seq);
