-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'http';

-- CreateIndex
CREATE INDEX "users_email_prefix_idx" ON "users"("email" text_pattern_ops);
