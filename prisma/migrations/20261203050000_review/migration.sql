-- A person steers the film (issue 26): review gates, takes, cuts, spend limits, and the record of every review action.

-- AlterEnum
ALTER TYPE "ProjectStatus" ADD VALUE 'awaiting_review';
ALTER TYPE "ProjectStatus" ADD VALUE 'awaiting_budget';

-- AlterTable
ALTER TABLE "projects" ADD COLUMN "review_mode" TEXT NOT NULL DEFAULT 'none',
ADD COLUMN "review_timeout_hours" DOUBLE PRECISION,
ADD COLUMN "review_timeout_action" TEXT,
ADD COLUMN "review_awaiting" JSONB,
ADD COLUMN "review_timeout_at" TIMESTAMP(3),
ADD COLUMN "spend_limit" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "scenes" ADD COLUMN "chosen_take" INTEGER,
ADD COLUMN "chain_broken" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "clients" ADD COLUMN "spend_limit" DOUBLE PRECISION;

-- CreateTable
CREATE TABLE "scene_takes" (
    "scene_id" TEXT NOT NULL,
    "take" INTEGER NOT NULL,
    "task_id" TEXT,
    "prompt" TEXT NOT NULL,
    "seed" INTEGER,
    "options" JSONB,
    "start_frame_url" TEXT,
    "video_url" TEXT,
    "thumbnail_url" TEXT,
    "last_frame_url" TEXT,
    "cost" JSONB,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scene_takes_pkey" PRIMARY KEY ("scene_id","take")
);

-- CreateTable
CREATE TABLE "project_cuts" (
    "project_id" TEXT NOT NULL,
    "cut" INTEGER NOT NULL,
    "video_url" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "project_cuts_pkey" PRIMARY KEY ("project_id","cut")
);

-- CreateTable
CREATE TABLE "review_actions" (
    "id" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "scene_index" INTEGER,
    "arguments" JSONB NOT NULL,
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_actions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "review_actions_project_id_created_at_idx" ON "review_actions"("project_id", "created_at");

-- AddForeignKey
ALTER TABLE "scene_takes" ADD CONSTRAINT "scene_takes_scene_id_fkey" FOREIGN KEY ("scene_id") REFERENCES "scenes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "project_cuts" ADD CONSTRAINT "project_cuts_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_actions" ADD CONSTRAINT "review_actions_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
