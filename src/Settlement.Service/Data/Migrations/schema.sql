-- The schema a fresh database has after every migration in this folder: pg_dump --schema-only --no-owner
-- --no-privileges, normalised by tests/TestSupport/SchemaReference.cs (no comments, SET lines or \restrict
-- tokens; one statement group per object, sorted). Nothing applies this file: the service's tests migrate a
-- fresh database, dump it the same way and require exactly this text, so a migration that changes the schema
-- shows its effect here in review. Rewrite it after an intended change with UPDATE_SCHEMA_REFERENCE=1 dotnet test.

ALTER TABLE ONLY public."__EFMigrationsHistory"
    ADD CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId");

CREATE TABLE public."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL
);
