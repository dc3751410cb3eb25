-- Default spend limits per user of a client (issue 26), and every change of a client's or a user's default.

-- CreateTable
CREATE TABLE "user_spend_limits" (
    "client_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "spend_limit" DOUBLE PRECISION NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_spend_limits_pkey" PRIMARY KEY ("client_id","user_id")
);

-- CreateTable
CREATE TABLE "spend_limit_changes" (
    "id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "user_id" TEXT,
    "spend_limit" DOUBLE PRECISION,
    "changed_by" TEXT NOT NULL,
    "changed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "spend_limit_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "spend_limit_changes_client_id_changed_at_idx" ON "spend_limit_changes"("client_id", "changed_at");

-- AddForeignKey
ALTER TABLE "user_spend_limits" ADD CONSTRAINT "user_spend_limits_client_id_fkey" FOREIGN KEY ("client_id") REFERENCES "clients"("id") ON DELETE CASCADE ON UPDATE CASCADE;
