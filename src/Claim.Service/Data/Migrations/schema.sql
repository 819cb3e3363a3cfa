-- The schema a fresh database has after every migration in this folder: pg_dump --schema-only --no-owner
-- --no-privileges, normalised by tests/TestSupport/SchemaReference.cs (no comments, SET lines or \restrict
-- tokens; one statement group per object, sorted). Nothing applies this file: the service's tests migrate a
-- fresh database, dump it the same way and require exactly this text, so a migration that changes the schema
-- shows its effect here in review. Rewrite it after an intended change with UPDATE_SCHEMA_REFERENCE=1 dotnet test.

ALTER TABLE ONLY public."__EFMigrationsHistory"
    ADD CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId");

ALTER TABLE ONLY public.block_list
    ADD CONSTRAINT block_list_pkey PRIMARY KEY (entry_id);

ALTER TABLE ONLY public.issuance_events
    ADD CONSTRAINT issuance_events_pkey PRIMARY KEY (sequence);

ALTER TABLE ONLY public.presentation_codes
    ADD CONSTRAINT presentation_codes_pkey PRIMARY KEY (token);

ALTER TABLE ONLY public.voucher_consumptions
    ADD CONSTRAINT voucher_consumptions_pkey PRIMARY KEY (redemption_id);

ALTER TABLE ONLY public.voucher_reinstatements
    ADD CONSTRAINT voucher_reinstatements_pkey PRIMARY KEY (reversal_id);

ALTER TABLE ONLY public.vouchers
    ADD CONSTRAINT vouchers_pkey PRIMARY KEY (voucher_id);

CREATE INDEX ix_issuance_events_campaign ON public.issuance_events USING btree (campaign_id, sequence);

CREATE INDEX ix_presentation_codes_voucher ON public.presentation_codes USING btree (voucher_id);

CREATE INDEX ix_vouchers_expiry ON public.vouchers USING btree (valid_until) WHERE (ended_at IS NULL);

CREATE INDEX ix_vouchers_holder ON public.vouchers USING btree (holder_account_hash, voucher_id DESC);

CREATE TABLE public."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL
);

CREATE TABLE public.block_list (
    entry_id text NOT NULL,
    kind smallint NOT NULL,
    key_hash text NOT NULL,
    masked_value text NOT NULL,
    campaign_id text NOT NULL,
    reason text NOT NULL,
    added_by bytea NOT NULL,
    added_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone,
    removed_at timestamp with time zone,
    removal_reason text
);

CREATE TABLE public.issuance_events (
    sequence bigint NOT NULL,
    campaign_id text NOT NULL,
    voucher_id text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    payload bytea NOT NULL
);

CREATE TABLE public.presentation_codes (
    token text NOT NULL,
    voucher_id text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    replaced_at timestamp with time zone
);

CREATE TABLE public.voucher_consumptions (
    redemption_id text NOT NULL,
    voucher_id text NOT NULL,
    consumed_at timestamp with time zone NOT NULL,
    reversed_at timestamp with time zone
);

CREATE TABLE public.voucher_reinstatements (
    reversal_id text NOT NULL,
    voucher_id text NOT NULL,
    redemption_id text NOT NULL,
    reason text NOT NULL,
    reinstated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.vouchers (
    voucher_id text NOT NULL,
    request_id text NOT NULL,
    campaign_id text NOT NULL,
    round_id text NOT NULL,
    tier_id text NOT NULL,
    category_id text NOT NULL,
    channel_id text NOT NULL,
    holder_account_hash text NOT NULL,
    face_value_cents bigint NOT NULL,
    status smallint NOT NULL,
    claimed_at timestamp with time zone NOT NULL,
    valid_from timestamp with time zone NOT NULL,
    valid_until timestamp with time zone,
    drawn boolean NOT NULL,
    issued bytea NOT NULL,
    stream_id text NOT NULL,
    version bigint NOT NULL,
    lock_id text,
    lock_expires_at timestamp with time zone,
    redemption_id text,
    merchant_id text,
    merchant_trade_name text,
    used_at timestamp with time zone,
    ended_at timestamp with time zone,
    revoke_reason text
)
WITH (fillfactor='80');

CREATE UNIQUE INDEX ux_block_list_active ON public.block_list USING btree (campaign_id, kind, key_hash) WHERE (removed_at IS NULL);

CREATE UNIQUE INDEX ux_voucher_consumptions_live ON public.voucher_consumptions USING btree (voucher_id) WHERE (reversed_at IS NULL);

CREATE UNIQUE INDEX ux_vouchers_request ON public.vouchers USING btree (campaign_id, request_id);
