-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ProjectStatus" AS ENUM ('pending', 'generating', 'stitching', 'completed', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "SceneStatus" AS ENUM ('pending', 'generating', 'extracting_frame', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "WebhookEndpoint" AS ENUM ('video_complete', 'last_frame_complete', 'stitch_complete');

-- CreateEnum
CREATE TYPE "WebhookOutcome" AS ENUM ('received', 'signaled', 'ignored', 'duplicate', 'pending_project', 'signal_failed');

-- CreateEnum
CREATE TYPE "ErrorSeverity" AS ENUM ('info', 'warning', 'error', 'critical');

-- CreateTable
CREATE TABLE "projects" (
    "id" TEXT NOT NULL,
    "user_id" TEXT,
    "status" "ProjectStatus" NOT NULL DEFAULT 'pending',
    "workflow_id" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "stitch_task_id" TEXT,
    "final_video_url" TEXT,
    "thumbnail_url" TEXT,
    "final_video_detail" JSONB,
    "failure_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "scenes" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "prompt" TEXT NOT NULL,
    "duration" DOUBLE PRECISION,
    "status" "SceneStatus" NOT NULL DEFAULT 'pending',
    "start_frame_url" TEXT,
    "video_task_id" TEXT,
    "video_url" TEXT,
    "thumbnail_url" TEXT,
    "video_detail" JSONB,
    "last_frame_task_id" TEXT,
    "last_frame_url" TEXT,
    "last_frame_detail" JSONB,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "failure_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "scenes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" TEXT NOT NULL,
    "endpoint" "WebhookEndpoint" NOT NULL,
    "task_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "scene_id" TEXT,
    "headers" JSONB NOT NULL,
    "raw_body" TEXT NOT NULL,
    "outcome" "WebhookOutcome" NOT NULL,
    "received_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "signaled_at" TIMESTAMP(3),
    "deliveries" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "error_log" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "severity" "ErrorSeverity" NOT NULL,
    "message" TEXT NOT NULL,
    "context" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "error_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "projects_workflow_id_key" ON "projects"("workflow_id");

-- CreateIndex
CREATE INDEX "projects_status_idx" ON "projects"("status");

-- CreateIndex
CREATE UNIQUE INDEX "scenes_project_id_index_key" ON "scenes"("project_id", "index");

-- CreateIndex
CREATE INDEX "webhook_events_project_id_received_at_idx" ON "webhook_events"("project_id", "received_at");

-- CreateIndex
CREATE INDEX "webhook_events_outcome_received_at_idx" ON "webhook_events"("outcome", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_events_endpoint_task_id_status_key" ON "webhook_events"("endpoint", "task_id", "status");

-- CreateIndex
CREATE INDEX "error_log_created_at_idx" ON "error_log"("created_at");

-- CreateIndex
CREATE INDEX "error_log_type_created_at_idx" ON "error_log"("type", "created_at");

-- AddForeignKey
ALTER TABLE "scenes" ADD CONSTRAINT "scenes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

