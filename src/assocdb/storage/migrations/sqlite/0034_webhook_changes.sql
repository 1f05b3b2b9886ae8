-- Webhooks (docs/webhooks.md, "Delivery guarantees"): the outbox's write side. A write
-- transaction that produces events writes ONE row here (all its events, a JSON array of
-- HubSpot payloads already matched to subscriptions) instead of one webhook_events row
-- per event. The delivery worker fans a change row out into webhook_events rows (one per
-- event, each with its own eventId) and deletes it, in one transaction, before claiming.
-- No index besides the key: every write with events pays for this table.
CREATE TABLE webhook_changes (
    change_id   INTEGER PRIMARY KEY,
    event_count INTEGER NOT NULL,
    events      TEXT    NOT NULL
);
