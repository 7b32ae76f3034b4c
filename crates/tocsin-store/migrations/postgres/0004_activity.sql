-- The dashboard's counts: screenings per agency by time, hits by time.
CREATE INDEX audit_by_action ON audit(action, agency, time);
CREATE INDEX hits_by_time ON hits(time);
