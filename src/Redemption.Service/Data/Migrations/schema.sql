-- The schema a fresh database has after every migration in this folder: pg_dump --schema-only --no-owner
-- --no-privileges, normalised by tests/TestSupport/SchemaReference.cs (no comments, SET lines or \restrict
-- tokens; one statement group per object, sorted). Nothing applies this file: the service's tests migrate a
-- fresh database, dump it the same way and require exactly this text, so a migration that changes the schema
-- shows its effect here in review. Rewrite it after an intended change with UPDATE_SCHEMA_REFERENCE=1 dotnet test.

ALTER TABLE ONLY public."__EFMigrationsHistory"
    ADD CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId");

ALTER TABLE ONLY public.anomaly_signals
    ADD CONSTRAINT anomaly_signals_pkey PRIMARY KEY (signal_id);

ALTER TABLE ONLY public.feed_counter
    ADD CONSTRAINT feed_counter_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (idempotency_key);

ALTER TABLE ONLY public.redemption_attempts
    ADD CONSTRAINT redemption_attempts_pkey PRIMARY KEY (idempotency_key);

ALTER TABLE ONLY public.redemption_events
    ADD CONSTRAINT redemption_events_pkey PRIMARY KEY (sequence);

ALTER TABLE ONLY public.redemptions
    ADD CONSTRAINT redemptions_pkey PRIMARY KEY (redemption_id);

ALTER TABLE ONLY public.reversals
    ADD CONSTRAINT reversals_pkey PRIMARY KEY (reversal_id);

ALTER TABLE ONLY public.revocations
    ADD CONSTRAINT revocations_pkey PRIMARY KEY (redemption_id);

ALTER TABLE ONLY public.screening_runs
    ADD CONSTRAINT screening_runs_pkey PRIMARY KEY (campaign_id, day);

CREATE INDEX ix_anomaly_signals_campaign_day ON public.anomaly_signals USING btree (campaign_id, day);

CREATE INDEX ix_anomaly_signals_score ON public.anomaly_signals USING btree (score_basis_points DESC, signal_id);

CREATE INDEX ix_redemption_events_campaign ON public.redemption_events USING btree (campaign_id, sequence);

CREATE INDEX ix_redemptions_campaign_time ON public.redemptions USING btree (campaign_id, redeemed_at);

CREATE INDEX ix_redemptions_merchant_time ON public.redemptions USING btree (merchant_id, redeemed_at DESC, redemption_id DESC);

CREATE TABLE public."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL
);

CREATE TABLE public.anomaly_signals (
    signal_id text NOT NULL,
    campaign_id text NOT NULL,
    merchant_id text NOT NULL,
    day date NOT NULL,
    kind smallint NOT NULL,
    score_basis_points integer NOT NULL,
    signal bytea NOT NULL
);

CREATE TABLE public.feed_counter (
    id smallint NOT NULL,
    last_sequence bigint NOT NULL
);

CREATE TABLE public.idempotency_keys (
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    outcome bytea NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.redemption_attempts (
    idempotency_key text NOT NULL,
    redemption_id text NOT NULL,
    voucher_id text NOT NULL,
    merchant_id text NOT NULL,
    merchant_trade_name text NOT NULL,
    lease_until timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.redemption_events (
    sequence bigint NOT NULL,
    campaign_id text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    event bytea NOT NULL
);

CREATE TABLE public.redemptions (
    redemption_id text NOT NULL,
    idempotency_key text NOT NULL,
    voucher_id text NOT NULL,
    campaign_id text NOT NULL,
    merchant_id text NOT NULL,
    staff_id text NOT NULL,
    tier_id text NOT NULL,
    category_id text NOT NULL,
    transaction_key text NOT NULL,
    buyer_hash text NOT NULL,
    buyer_phone_hash text NOT NULL,
    status smallint NOT NULL,
    subsidy_exclusion smallint NOT NULL,
    face_value_cents bigint NOT NULL,
    order_amount_cents bigint NOT NULL,
    government_share_cents bigint NOT NULL,
    threshold_cents bigint NOT NULL,
    redeemed_at timestamp with time zone NOT NULL,
    version bigint NOT NULL,
    record bytea NOT NULL
);

CREATE TABLE public.reversals (
    reversal_id text NOT NULL,
    redemption_id text NOT NULL,
    fingerprint text NOT NULL,
    reversal bytea NOT NULL,
    reversed_at timestamp with time zone NOT NULL
);

CREATE TABLE public.revocations (
    redemption_id text NOT NULL,
    reason text NOT NULL,
    actor bytea NOT NULL,
    revoked_at timestamp with time zone NOT NULL
);

CREATE TABLE public.screening_runs (
    campaign_id text NOT NULL,
    day date NOT NULL,
    ran_at timestamp with time zone NOT NULL
);

CREATE UNIQUE INDEX ux_redemptions_transaction_live ON public.redemptions USING btree (merchant_id, transaction_key) WHERE (status <> 2);

CREATE UNIQUE INDEX ux_redemptions_voucher_live ON public.redemptions USING btree (voucher_id) WHERE (status <> 2);

CREATE UNIQUE INDEX ux_reversals_redemption ON public.reversals USING btree (redemption_id);
