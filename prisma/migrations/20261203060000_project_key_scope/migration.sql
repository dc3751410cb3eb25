-- A film that takes a deleted film's id gets a scope for its project-wide idempotency keys
ALTER TABLE "projects" ADD COLUMN "key_scope" TEXT;
