-- Association limits (HubSpot's "configurations"): a portal's cap on
-- https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associations-schema/limits/create-associations-limits
-- how many records of to_type one from_type record may have with one association type.
CREATE TABLE limits (
    portal_id         BIGINT  NOT NULL,
    from_type         TEXT    NOT NULL,
    to_type           TEXT    NOT NULL,
    category          INTEGER NOT NULL,
    type_id           INTEGER NOT NULL,
    max_to_object_ids INTEGER NOT NULL,
    PRIMARY KEY (portal_id, from_type, to_type, category, type_id)
);
