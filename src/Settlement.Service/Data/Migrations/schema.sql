-- The schema a fresh database has after every migration in this folder: pg_dump --schema-only --no-owner
-- --no-privileges, normalised by tests/TestSupport/SchemaReference.cs (no comments, SET lines or \restrict
-- tokens; one statement group per object, sorted). Nothing applies this file: the service's tests migrate a
-- fresh database, dump it the same way and require exactly this text, so a migration that changes the schema
-- shows its effect here in review. Rewrite it after an intended change with UPDATE_SCHEMA_REFERENCE=1 dotnet test.

ALTER TABLE ONLY public."__EFMigrationsHistory"
    ADD CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId");

ALTER TABLE ONLY public.adjustments
    ADD CONSTRAINT adjustments_pkey PRIMARY KEY (adjustment_id);

ALTER TABLE ONLY public.campaign_snapshots
    ADD CONSTRAINT campaign_snapshots_pkey PRIMARY KEY (campaign_id);

ALTER TABLE ONLY public.feed_cursors
    ADD CONSTRAINT feed_cursors_pkey PRIMARY KEY (feed);

ALTER TABLE ONLY public.payout_batches
    ADD CONSTRAINT payout_batches_pkey PRIMARY KEY (batch_id);

ALTER TABLE ONLY public.reconciliation_items
    ADD CONSTRAINT reconciliation_items_pkey PRIMARY KEY (reconciliation_id, item_number);

ALTER TABLE ONLY public.reconciliations
    ADD CONSTRAINT reconciliations_pkey PRIMARY KEY (reconciliation_id);

ALTER TABLE ONLY public.redemptions
    ADD CONSTRAINT redemptions_pkey PRIMARY KEY (redemption_id);

ALTER TABLE ONLY public.settlement_runs
    ADD CONSTRAINT settlement_runs_pkey PRIMARY KEY (run_id);

ALTER TABLE ONLY public.statement_splits
    ADD CONSTRAINT statement_splits_pkey PRIMARY KEY (statement_id, channel_id, funding_source_id);

ALTER TABLE ONLY public.statements
    ADD CONSTRAINT statements_pkey PRIMARY KEY (statement_id);

ALTER TABLE ONLY public.vouchers
    ADD CONSTRAINT vouchers_pkey PRIMARY KEY (voucher_id);

CREATE INDEX ix_adjustments_campaign_id_merchant_id ON public.adjustments USING btree (campaign_id, merchant_id) WHERE (statement_id IS NULL);

CREATE INDEX ix_adjustments_statement_id ON public.adjustments USING btree (statement_id);

CREATE INDEX ix_payout_batches_campaign_id_created_at ON public.payout_batches USING btree (campaign_id, created_at);

CREATE INDEX ix_reconciliations_campaign_id_imported_at ON public.reconciliations USING btree (campaign_id, imported_at);

CREATE INDEX ix_redemptions_campaign_id_acquiring_channel_id_channel_transac ON public.redemptions USING btree (campaign_id, acquiring_channel_id, channel_transaction_id);

CREATE INDEX ix_redemptions_campaign_id_merchant_id_redeemed_at ON public.redemptions USING btree (campaign_id, merchant_id, redeemed_at);

CREATE INDEX ix_redemptions_campaign_id_redeemed_at_redemption_id ON public.redemptions USING btree (campaign_id, redeemed_at, redemption_id);

CREATE INDEX ix_redemptions_campaign_id_settled_run_id ON public.redemptions USING btree (campaign_id, settled_run_id) WHERE (settled_earning AND (NOT clawed_back));

CREATE INDEX ix_redemptions_campaign_id_tier_id_category_id ON public.redemptions USING btree (campaign_id, tier_id, category_id) INCLUDE (status, subsidy_exclusion, round_id, order_amount_cents);

CREATE INDEX ix_settlement_runs_campaign_id_created_at ON public.settlement_runs USING btree (campaign_id, created_at);

CREATE INDEX ix_statements_campaign_id_merchant_id_payout_status ON public.statements USING btree (campaign_id, merchant_id, payout_status);

CREATE INDEX ix_statements_payout_batch_id ON public.statements USING btree (payout_batch_id);

CREATE INDEX ix_vouchers_campaign_id_claimed_at_voucher_id ON public.vouchers USING btree (campaign_id, claimed_at, voucher_id);

CREATE INDEX ix_vouchers_campaign_id_tier_id_category_id_status ON public.vouchers USING btree (campaign_id, tier_id, category_id, status) INCLUDE (round_id, face_value_cents);

CREATE TABLE public."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL
);

CREATE TABLE public.adjustments (
    adjustment_id uuid NOT NULL,
    campaign_id text NOT NULL,
    merchant_id text NOT NULL,
    kind smallint NOT NULL,
    amount_cents bigint NOT NULL,
    redemption_id text NOT NULL,
    reason text NOT NULL,
    actor bytea NOT NULL,
    created_at timestamp with time zone NOT NULL,
    statement_id uuid,
    request_id text,
    request_fingerprint text NOT NULL
);

CREATE TABLE public.campaign_snapshots (
    campaign_id text NOT NULL,
    snapshot_version bigint NOT NULL,
    snapshot bytea NOT NULL,
    received_at timestamp with time zone NOT NULL
);

CREATE TABLE public.feed_cursors (
    feed text NOT NULL,
    cursor text NOT NULL,
    sequence bigint NOT NULL,
    caught_up_to timestamp with time zone
);

CREATE TABLE public.payout_batches (
    batch_id uuid NOT NULL,
    campaign_id text NOT NULL,
    run_id uuid,
    status smallint NOT NULL,
    version bigint NOT NULL,
    total_cents bigint NOT NULL,
    approved_by bytea,
    approved_at timestamp with time zone,
    paid_by bytea,
    paid_at timestamp with time zone,
    payment_reference text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.reconciliation_items (
    reconciliation_id uuid NOT NULL,
    item_number bigint NOT NULL,
    outcome smallint NOT NULL,
    line_number bigint,
    channel_transaction_id text NOT NULL,
    channel_voucher_id text,
    channel_merchant_number text,
    channel_voucher_amount_cents bigint,
    channel_order_amount_cents bigint,
    channel_occurred_at timestamp with time zone,
    redemption_id text,
    platform_voucher_amount_cents bigint,
    platform_order_amount_cents bigint
);

CREATE TABLE public.reconciliations (
    reconciliation_id uuid NOT NULL,
    request_id text NOT NULL,
    request_fingerprint text NOT NULL,
    campaign_id text NOT NULL,
    channel_id text NOT NULL,
    period_start timestamp with time zone NOT NULL,
    period_end timestamp with time zone NOT NULL,
    file_name text NOT NULL,
    row_count bigint NOT NULL,
    imported_by bytea NOT NULL,
    imported_at timestamp with time zone NOT NULL
);

CREATE TABLE public.redemptions (
    redemption_id text NOT NULL,
    campaign_id text NOT NULL,
    voucher_id text NOT NULL,
    round_id text NOT NULL,
    tier_id text NOT NULL,
    issuing_channel_id text NOT NULL,
    merchant_id text NOT NULL,
    merchant_trade_name text NOT NULL,
    staff_id text NOT NULL,
    acquiring_channel_id text NOT NULL,
    channel_transaction_id text NOT NULL,
    category_id text NOT NULL,
    invoice_number text NOT NULL,
    buyer_phone_hash text NOT NULL,
    face_value_cents bigint NOT NULL,
    order_amount_cents bigint NOT NULL,
    merchant_cofunding_cents bigint NOT NULL,
    government_share_cents bigint NOT NULL,
    status smallint NOT NULL,
    subsidy_exclusion smallint NOT NULL,
    redeemed_at timestamp with time zone NOT NULL,
    version bigint NOT NULL,
    feed_sequence bigint NOT NULL,
    record bytea NOT NULL,
    settled_run_id uuid,
    settled_earning boolean NOT NULL,
    clawed_back boolean NOT NULL
);

CREATE TABLE public.settlement_runs (
    run_id uuid NOT NULL,
    campaign_id text NOT NULL,
    kind smallint NOT NULL,
    period_start timestamp with time zone NOT NULL,
    period_end timestamp with time zone NOT NULL,
    request_id text NOT NULL,
    request_fingerprint text NOT NULL,
    redemption_feed_sequence bigint NOT NULL,
    issuance_feed_sequence bigint NOT NULL,
    statement_count integer NOT NULL,
    redemption_count bigint NOT NULL,
    face_value_cents bigint NOT NULL,
    leveraged_spend_cents bigint NOT NULL,
    government_share_cents bigint NOT NULL,
    merchant_share_cents bigint NOT NULL,
    adjustments_cents bigint NOT NULL,
    net_payable_cents bigint NOT NULL,
    payout_batch_id uuid NOT NULL,
    run_by bytea NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.statement_splits (
    statement_id uuid NOT NULL,
    channel_id text NOT NULL,
    funding_source_id text NOT NULL,
    amount_cents bigint NOT NULL
);

CREATE TABLE public.statements (
    statement_id uuid NOT NULL,
    run_id uuid NOT NULL,
    campaign_id text NOT NULL,
    merchant_id text NOT NULL,
    merchant_trade_name text NOT NULL,
    period_start timestamp with time zone NOT NULL,
    period_end timestamp with time zone NOT NULL,
    redemption_count bigint NOT NULL,
    face_value_cents bigint NOT NULL,
    leveraged_spend_cents bigint NOT NULL,
    government_share_cents bigint NOT NULL,
    merchant_share_cents bigint NOT NULL,
    adjustments_cents bigint NOT NULL,
    net_payable_cents bigint NOT NULL,
    payout_status smallint NOT NULL,
    payout_batch_id uuid,
    hold_reason text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.vouchers (
    voucher_id text NOT NULL,
    campaign_id text NOT NULL,
    round_id text NOT NULL,
    tier_id text NOT NULL,
    tier_name text NOT NULL,
    category_id text NOT NULL,
    channel_id text NOT NULL,
    face_value_cents bigint NOT NULL,
    status smallint NOT NULL,
    claimed_at timestamp with time zone NOT NULL,
    valid_until timestamp with time zone,
    ended_at timestamp with time zone,
    holder_display_name text NOT NULL,
    holder_phone_hash text NOT NULL,
    holder_keys bytea NOT NULL,
    redemption_id text NOT NULL,
    merchant_id text NOT NULL,
    used_at timestamp with time zone,
    feed_sequence bigint NOT NULL
);

CREATE UNIQUE INDEX ux_adjustments_request_id ON public.adjustments USING btree (request_id);

CREATE UNIQUE INDEX ux_reconciliations_request_id ON public.reconciliations USING btree (request_id);

CREATE UNIQUE INDEX ux_settlement_runs_campaign_id_period_start_period_end ON public.settlement_runs USING btree (campaign_id, period_start, period_end);

CREATE UNIQUE INDEX ux_settlement_runs_request_id ON public.settlement_runs USING btree (request_id);

CREATE UNIQUE INDEX ux_statements_run_id_merchant_id ON public.statements USING btree (run_id, merchant_id);
