-- A label's name is unique per portal and pair of object types, either direction (HubSpot
-- refuses a second label with the same name on a pair). A label is one row per direction
-- (one row for a single label between records of one type); its first row
-- (type_id <= inverse_type_id) carries the name for the index. Before this index concurrent
-- creates could store duplicates; all but the first are renamed "<name>_<typeId>" so the
-- index can be built and an export of the portal can be seeded back.
UPDATE labels SET name = name || '_' || CAST(type_id AS TEXT)
WHERE type_id <= inverse_type_id AND EXISTS (
    SELECT 1 FROM labels f
    WHERE f.portal_id = labels.portal_id AND f.type_id <= f.inverse_type_id
      AND min(f.from_type, f.to_type) = min(labels.from_type, labels.to_type)
      AND max(f.from_type, f.to_type) = max(labels.from_type, labels.to_type)
      AND f.name = labels.name
      AND (f.category < labels.category
           OR (f.category = labels.category AND f.type_id < labels.type_id))
);
CREATE UNIQUE INDEX labels_name
    ON labels (portal_id, min(from_type, to_type), max(from_type, to_type), name)
    WHERE type_id <= inverse_type_id;
