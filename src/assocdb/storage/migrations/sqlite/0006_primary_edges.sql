-- One Primary per record and side, held by the schema (issue 9). A contact has at most one
-- Primary company (HUBSPOT_DEFINED 1), a deal one (5), a ticket one (26): HubSpot's
-- https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/guide
-- `is_primary` is 1 on the edge row whose type set holds the pair's Primary type for its
-- direction (contact -> company 1, deal -> company 5, ticket -> company 26; the inverse
-- rows, company -> contact 2 and so on, stay 0: they are written with the forward row in
-- the same statement batch). The write path sets it (storage/primary.py), clearing an old
-- Primary before it sets the new one, and the partial unique index refuses a second one.
ALTER TABLE associations ADD COLUMN is_primary INTEGER NOT NULL DEFAULT 0;

-- Backfill: the Primary type is one "c:t" item of the type-set text (storage/typesets.py);
-- wrapping it in commas makes "0:1" never match "0:11" or "10:1".
WITH p (from_type, to_type, fwd) AS (VALUES ('0-1', '0-2', '0:1'), ('0-3', '0-2', '0:5'),
                                            ('0-5', '0-2', '0:26'))
UPDATE associations SET is_primary = 1
WHERE EXISTS (SELECT 1 FROM p WHERE p.from_type = associations.from_type
              AND p.to_type = associations.to_type
              AND (',' || associations.types || ',') LIKE ('%,' || p.fwd || ',%'));

-- Before the index, `seed` could store two Primaries for one record. The one with the
-- highest to_id (the most recently created company) keeps it [inferred: the order
-- a seed writes them]; the others lose the Primary type in both directions, so the index
-- can be built and the data reads as the API would have left it.
WITH p (from_type, to_type, fwd, inv) AS (VALUES ('0-1', '0-2', '0:1', '0:2'),
                                                 ('0-3', '0-2', '0:5', '0:6'),
                                                 ('0-5', '0-2', '0:26', '0:25'))
UPDATE associations
SET types = trim(replace(',' || types || ',', ',' || (SELECT p.inv FROM p
                 WHERE p.from_type = associations.to_type
                   AND p.to_type = associations.from_type) || ',', ','), ',')
-- Every Primary type points at companies, so only rows from companies can be inverses.
WHERE associations.from_type = '0-2' AND EXISTS (
    SELECT 1 FROM associations f
    WHERE f.portal_id = associations.portal_id AND f.from_type = associations.to_type
      AND f.from_id = associations.to_id AND f.to_type = associations.from_type
      AND f.to_id = associations.from_id AND f.is_primary = 1
      AND EXISTS (SELECT 1 FROM associations g
                  WHERE g.portal_id = f.portal_id AND g.from_type = f.from_type
                    AND g.from_id = f.from_id AND g.to_type = f.to_type
                    AND g.is_primary = 1 AND g.to_id > f.to_id));

WITH p (from_type, to_type, fwd) AS (VALUES ('0-1', '0-2', '0:1'), ('0-3', '0-2', '0:5'),
                                            ('0-5', '0-2', '0:26'))
UPDATE associations
SET is_primary = 0,
    types = trim(replace(',' || types || ',', ',' || (SELECT p.fwd FROM p
                 WHERE p.from_type = associations.from_type
                   AND p.to_type = associations.to_type) || ',', ','), ',')
WHERE is_primary = 1 AND EXISTS (
    SELECT 1 FROM associations g
    WHERE g.portal_id = associations.portal_id AND g.from_type = associations.from_type
      AND g.from_id = associations.from_id AND g.to_type = associations.to_type
      AND g.is_primary = 1 AND g.to_id > associations.to_id);

CREATE UNIQUE INDEX associations_primary
    ON associations (portal_id, from_type, from_id, to_type) WHERE is_primary = 1;
