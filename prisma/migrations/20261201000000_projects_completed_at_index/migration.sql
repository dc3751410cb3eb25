-- The gateway's metrics count the films that ended in the last day on every scrape: an index keeps
-- that a range read of one day's rows, whatever the table's size.
CREATE INDEX "projects_completed_at_idx" ON "projects"("completed_at");
