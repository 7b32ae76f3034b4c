-- Records imported from a published list keep the list's name and the
-- entry's reference there, so a re-import finds them again (tocsin-lists).
ALTER TABLE records ADD COLUMN source_list TEXT;
ALTER TABLE records ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX records_by_source ON records(owner, source_list, source_id) WHERE source_list IS NOT NULL;
