-- A film's priority in its provider's line (issue 25): 0-10, higher first, with ageing (storage/provider-line.ts).
ALTER TABLE "projects" ADD COLUMN "priority" INTEGER NOT NULL DEFAULT 0;
