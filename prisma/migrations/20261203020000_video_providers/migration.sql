-- Video providers (issue 23): a project names its provider, model and model inputs, and a scene may override
-- the model and inputs. Existing projects are those of the services guide (`guide`), as they always were.

-- AlterTable
ALTER TABLE "projects" ADD COLUMN "provider" TEXT NOT NULL DEFAULT 'guide',
ADD COLUMN "model" TEXT,
ADD COLUMN "provider_options" JSONB,
ADD COLUMN "start_image_url" TEXT;

-- AlterTable
ALTER TABLE "scenes" ADD COLUMN "model" TEXT,
ADD COLUMN "provider_options" JSONB;

-- CreateTable
CREATE TABLE "provider_submissions" (
    "fingerprint" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "scene_id" TEXT NOT NULL,
    "task_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "submitted_at" TIMESTAMP(3),

    CONSTRAINT "provider_submissions_pkey" PRIMARY KEY ("fingerprint")
);

-- CreateIndex
CREATE INDEX "provider_submissions_project_id_idx" ON "provider_submissions"("project_id");
