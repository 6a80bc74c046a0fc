-- The strict reading that accepted each event (events.ReadingVersion at
-- its append). A rebuild reads an event recorded under this version's
-- reading without checking its JSON again; 0, the value of every event
-- appended before this column, and any other version are read in full.
-- A constant default adds the column without rewriting the log.

ALTER TABLE events ADD COLUMN reading smallint NOT NULL DEFAULT 0;
