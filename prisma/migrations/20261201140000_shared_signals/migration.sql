-- CreateTable
CREATE TABLE "ssf_streams" (
    "id" UUID NOT NULL,
    "client_id" TEXT NOT NULL,
    "delivery_method" TEXT NOT NULL,
    "endpoint_url" TEXT,
    "authorization_ciphertext" BYTEA,
    "events_requested" TEXT[],
    "description" TEXT,
    "status" TEXT NOT NULL,
    "status_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "last_verification_at" TIMESTAMPTZ(3),

    CONSTRAINT "ssf_streams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ssf_events" (
    "id" BIGSERIAL NOT NULL,
    "stream_id" UUID NOT NULL,
    "jti" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "claims" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "delivered_at" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "dead_at" TIMESTAMPTZ(3),

    CONSTRAINT "ssf_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ssf_streams_client_id_created_at_idx" ON "ssf_streams"("client_id", "created_at");

-- CreateIndex
CREATE INDEX "ssf_streams_last_seen_at_idx" ON "ssf_streams"("last_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "ssf_events_jti_key" ON "ssf_events"("jti");

-- CreateIndex
CREATE INDEX "ssf_events_stream_id_id_idx" ON "ssf_events"("stream_id", "id");

-- CreateIndex
CREATE INDEX "ssf_events_next_attempt_at_idx" ON "ssf_events"("next_attempt_at");

-- CreateIndex
CREATE INDEX "ssf_events_delivered_at_idx" ON "ssf_events"("delivered_at");

-- CreateIndex
CREATE INDEX "ssf_events_created_at_idx" ON "ssf_events"("created_at");

-- AddForeignKey
ALTER TABLE "ssf_events" ADD CONSTRAINT "ssf_events_stream_id_fkey" FOREIGN KEY ("stream_id") REFERENCES "ssf_streams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
