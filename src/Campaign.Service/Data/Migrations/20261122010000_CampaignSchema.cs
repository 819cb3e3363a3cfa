using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Campaign.Service.Data.Migrations;

/// <summary>
/// Campaigns, categories, merchants, enrolments, pledges, staff, binding codes and the audit log,
/// plus the triggers that keep campaigns.snapshot_version moving and announce every new snapshot
/// version on the campaign_snapshots channel (LISTEN/NOTIFY reaches every service copy).
/// </summary>
[DbContext(typeof(CampaignDbContext))]
[Migration("20261122010000_CampaignSchema")]
public sealed class CampaignSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE campaigns (
                id text NOT NULL PRIMARY KEY,
                code text NOT NULL,
                create_request_id text NULL,
                create_request_hash text NULL,
                state integer NOT NULL,
                version bigint NOT NULL,
                snapshot_version bigint NOT NULL DEFAULT 0,
                name text NOT NULL,
                theme text NOT NULL,
                region_code text NOT NULL,
                budget_cents bigint NOT NULL,
                period_start_utc timestamp with time zone NOT NULL,
                period_end_utc timestamp with time zone NOT NULL,
                settings jsonb NOT NULL,
                tiers jsonb NOT NULL,
                rounds jsonb NOT NULL,
                allocation_plan jsonb NOT NULL,
                claim_rules jsonb NULL,
                pause_reason text NULL,
                created_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL,
                published_at timestamp with time zone NULL,
                started_at timestamp with time zone NULL,
                ended_at timestamp with time zone NULL,
                settled_at timestamp with time zone NULL,
                closed_at timestamp with time zone NULL);
            CREATE UNIQUE INDEX ux_campaigns_code ON campaigns (code);
            CREATE UNIQUE INDEX ux_campaigns_create_request_id ON campaigns (create_request_id);
            CREATE INDEX ix_campaigns_created_at ON campaigns (created_at);

            CREATE TABLE categories (
                id text NOT NULL PRIMARY KEY,
                name text NOT NULL,
                parent_id text NOT NULL,
                active boolean NOT NULL,
                version bigint NOT NULL,
                updated_at timestamp with time zone NOT NULL);

            -- The catalogue of DOMAIN.md, so a fresh installation can configure the seed campaigns at once.
            INSERT INTO categories (id, name, parent_id, active, version, updated_at) VALUES
                ('apparel', '服饰', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances', '家电', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.air_conditioner', '空调', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.fridge', '冰箱', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.kitchen', '厨电', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.phone', '手机', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.small', '小家电', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.tv', '电视', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('appliances.washer', '洗衣机', 'appliances', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('books', '书店', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('cars', '汽车', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('catering', '餐饮', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('department_store', '百货', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('fuel', '加油站', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('furniture', '家居', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('grain_oil', '粮油', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('lodging', '住宿', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('produce', '农产品', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('produce.local', '本地特产', 'produce', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('produce.poverty_relief', '扶贫农产品', 'produce', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00'),
                ('supermarket', '超市', '', true, 1, TIMESTAMPTZ '2026-11-22 00:00:00+00');

            CREATE TABLE merchants (
                id text NOT NULL PRIMARY KEY,
                unified_credit_code text NOT NULL,
                register_request_id text NULL,
                register_request_hash text NULL,
                status integer NOT NULL,
                version bigint NOT NULL,
                legal_name text NOT NULL,
                trade_name text NOT NULL,
                category_ids text[] NOT NULL,
                profile jsonb NOT NULL,
                registration_channel integer NOT NULL,
                pledge_version text NULL,
                pledge_signed_at timestamp with time zone NULL,
                pledge_signatory text NULL,
                pledge_evidence text NULL,
                status_reason text NULL,
                status_changed_by jsonb NULL,
                status_changed_at timestamp with time zone NULL,
                registered_at timestamp with time zone NOT NULL,
                updated_at timestamp with time zone NOT NULL);
            CREATE UNIQUE INDEX ux_merchants_unified_credit_code ON merchants (unified_credit_code);
            CREATE UNIQUE INDEX ux_merchants_register_request_id ON merchants (register_request_id);

            CREATE TABLE campaign_merchants (
                campaign_id text NOT NULL,
                merchant_id text NOT NULL,
                category_ids text[] NOT NULL,
                enrolled boolean NOT NULL,
                enrolled_at timestamp with time zone NOT NULL,
                withdrawn_at timestamp with time zone NULL,
                PRIMARY KEY (campaign_id, merchant_id));
            CREATE INDEX ix_campaign_merchants_merchant_id ON campaign_merchants (merchant_id);

            CREATE TABLE integrity_pledges (
                version text NOT NULL PRIMARY KEY,
                title text NOT NULL,
                text text NOT NULL,
                published_at timestamp with time zone NOT NULL,
                sequence bigint NOT NULL);
            CREATE UNIQUE INDEX ux_integrity_pledges_sequence ON integrity_pledges (sequence);

            CREATE TABLE staff_binding_codes (
                code_hash text NOT NULL PRIMARY KEY,
                merchant_id text NOT NULL,
                issued_at timestamp with time zone NOT NULL,
                expires_at timestamp with time zone NOT NULL,
                used_at timestamp with time zone NULL,
                used_by_staff_id text NULL);

            CREATE TABLE staff (
                id text NOT NULL PRIMARY KEY,
                merchant_id text NOT NULL,
                account_id text NOT NULL,
                name text NOT NULL,
                phone text NOT NULL,
                active boolean NOT NULL,
                bound_at timestamp with time zone NOT NULL,
                unbound_at timestamp with time zone NULL,
                bind_request_id text NOT NULL,
                bind_request_hash text NOT NULL);
            CREATE UNIQUE INDEX ux_staff_bind_request_id ON staff (bind_request_id);
            CREATE UNIQUE INDEX ux_staff_active_account_id ON staff (account_id) WHERE active;
            CREATE INDEX ix_staff_merchant_id ON staff (merchant_id);

            CREATE TABLE audit_entries (
                sequence bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                occurred_at timestamp with time zone NOT NULL,
                actor_id text NOT NULL,
                actor jsonb NOT NULL,
                action text NOT NULL,
                subject integer NOT NULL,
                subject_id text NOT NULL,
                campaign_id text NOT NULL,
                merchant_id text NOT NULL,
                version_before bigint NOT NULL,
                version_after bigint NOT NULL,
                reason text NOT NULL,
                before_json text NOT NULL,
                after_json text NOT NULL);
            CREATE INDEX ix_audit_entries_campaign_id ON audit_entries (campaign_id);
            CREATE INDEX ix_audit_entries_merchant_id ON audit_entries (merchant_id);

            CREATE FUNCTION campaigns_bump_snapshot_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    NEW.snapshot_version := 1;
                ELSIF NEW.version <> OLD.version THEN
                    NEW.snapshot_version := OLD.snapshot_version + 1;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER campaigns_bump_snapshot_version BEFORE INSERT OR UPDATE ON campaigns
                FOR EACH ROW EXECUTE FUNCTION campaigns_bump_snapshot_version();

            CREATE FUNCTION campaigns_notify_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR NEW.snapshot_version <> OLD.snapshot_version THEN
                    PERFORM pg_notify('campaign_snapshots', NEW.id || ':' || NEW.snapshot_version::text);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER campaigns_notify_snapshot AFTER INSERT OR UPDATE ON campaigns
                FOR EACH ROW EXECUTE FUNCTION campaigns_notify_snapshot();
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP TABLE IF EXISTS audit_entries, staff, staff_binding_codes, integrity_pledges, campaign_merchants, merchants, categories, campaigns;
            DROP FUNCTION IF EXISTS campaigns_bump_snapshot_version();
            DROP FUNCTION IF EXISTS campaigns_notify_snapshot();
            """);
    }
}
