-- A version is keyed by its owner too: another agency's object with the same
-- id (a deterministic observable id, a guessed one) is stored beside it,
-- never merged with it nor refused because of it, so a write never tells
-- whether an object the writer may not see exists.
ALTER TABLE intel_objects DROP CONSTRAINT intel_objects_collection_id_version_key;
ALTER TABLE intel_objects ADD UNIQUE (collection, owner, id, version);
DROP INDEX intel_objects_by_id;
CREATE INDEX intel_objects_by_id ON intel_objects(collection, id, owner, version);
