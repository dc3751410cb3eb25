-- Provider caps and fair turns (issue 25): a lease per provider task, the caps, and their recorded changes.

-- CreateEnum
CREATE TYPE "ProviderLeaseState" AS ENUM ('waiting', 'held');

-- CreateTable
CREATE TABLE "provider_leases" (
    "fingerprint" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "project_id" TEXT NOT NULL,
    "scene_id" TEXT NOT NULL,
    "client_id" TEXT,
    "user_id" TEXT,
    "priority" INTEGER NOT NULL DEFAULT 0,
    "state" "ProviderLeaseState" NOT NULL DEFAULT 'waiting',
    "enqueued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acquired_at" TIMESTAMP(3),
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_leases_pkey" PRIMARY KEY ("fingerprint")
);

-- CreateTable
CREATE TABLE "provider_caps" (
    "provider" TEXT NOT NULL,
    "max_running" INTEGER,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_caps_pkey" PRIMARY KEY ("provider")
);

-- CreateTable
CREATE TABLE "provider_cap_changes" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "max_running" INTEGER,
    "changed_by" TEXT NOT NULL,
    "changed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_cap_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_leases_provider_state_enqueued_at_idx" ON "provider_leases"("provider", "state", "enqueued_at");

-- CreateIndex
CREATE INDEX "provider_leases_scene_id_idx" ON "provider_leases"("scene_id");

-- CreateIndex
CREATE INDEX "provider_leases_project_id_idx" ON "provider_leases"("project_id");

-- CreateIndex
CREATE INDEX "provider_cap_changes_provider_changed_at_idx" ON "provider_cap_changes"("provider", "changed_at");
