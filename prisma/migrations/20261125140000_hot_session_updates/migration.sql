-- DropIndex
DROP INDEX "sessions_idle_expires_at_idx";

-- CreateIndex
CREATE INDEX "sessions_absolute_expires_at_idx" ON "sessions"("absolute_expires_at");
