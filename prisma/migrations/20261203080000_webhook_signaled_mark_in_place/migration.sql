-- Issue 27: a webhook's `signaled` mark rewrites its row in place (a HOT update), instead of writing a
-- new row version elsewhere and a new entry in every index of webhook_events.
--
-- An UPDATE can be HOT only when it changes no indexed column and the row's page has room. The mark
-- sets `outcome`, which the (outcome, received_at) index held: so every webhook wrote all four indexes
-- twice. Only the admin API's event list read that index (GET /api/v1/webhooks/events?outcome=...).
-- It now walks the events newest first on received_at, which also serves the list without a filter
-- (the usual view of an operator), and keeps those of the outcome asked for.
DROP INDEX "webhook_events_outcome_received_at_idx";

-- CreateIndex
CREATE INDEX "webhook_events_received_at_idx" ON "webhook_events"("received_at");

-- Inserts fill each new page to 90% only, leaving room for the mark: its new row version then lands on
-- the same page as the row it replaces. Pages written before keep their rows as they are.
ALTER TABLE "webhook_events" SET (fillfactor = 90);
