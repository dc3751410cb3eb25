-- The error log's `type` becomes the services' guide's category (webhook, activity, workflow, system)
-- and the specific reason moves to its own column, `code`.
ALTER TABLE "error_log" ADD COLUMN "code" TEXT;

UPDATE "error_log" SET "code" = substr("type", length('webhook_') + 1), "type" = 'webhook' WHERE "type" LIKE 'webhook\_%';
-- Before: a project failed because its step gave up (`task_failed`) or an activity ran out of retries.
UPDATE "error_log" SET "code" = 'step_failed', "type" = 'workflow' WHERE "type" = 'task_failed';
UPDATE "error_log" SET "code" = 'activity_failed', "type" = 'activity' WHERE "type" = 'activity_failed';
UPDATE "error_log" SET "code" = "type", "type" = 'system' WHERE "code" IS NULL;

ALTER TABLE "error_log" ALTER COLUMN "code" SET NOT NULL;
CREATE INDEX "error_log_code_created_at_idx" ON "error_log"("code", "created_at");

-- A callback is a repeat only within its own project and scene: two projects (or two scenes) whose
-- provider reuses a task id must each get their step. The stitch callback has no scene: NULLs are
-- equal here, so its repeats are still caught.
DROP INDEX "webhook_events_endpoint_task_id_status_key";
CREATE UNIQUE INDEX "webhook_events_endpoint_project_id_scene_id_task_id_status_key"
  ON "webhook_events"("endpoint", "project_id", "scene_id", "task_id", "status") NULLS NOT DISTINCT;
