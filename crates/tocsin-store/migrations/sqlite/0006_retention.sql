-- The retention clock (tocsin_core::retention) and public notices.
--
-- Notices get their review date as a column, to find those due. The first
-- notice bodies stored it as [year, day of the year]; both forms are read.
ALTER TABLE notices ADD COLUMN review_by TEXT NOT NULL DEFAULT '';
UPDATE notices SET review_by = CASE json_type(body, '$.review_by')
    WHEN 'array' THEN date(printf('%04d-01-01', json_extract(body, '$.review_by[0]')),
                           printf('+%d days', json_extract(body, '$.review_by[1]') - 1))
    ELSE json_extract(body, '$.review_by')
END;
CREATE INDEX notices_by_review ON notices(review_by);
CREATE INDEX records_by_review ON records(state, review_by, id);

-- One row per reminder sent: an item is reminded once per review date.
CREATE TABLE reminders (
    item      TEXT NOT NULL,
    review_by TEXT NOT NULL,
    PRIMARY KEY (item, review_by)
);

-- The last number given to a notice published in each year (entity_id
-- YYYY/NNNNN).
CREATE TABLE entity_numbers (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
