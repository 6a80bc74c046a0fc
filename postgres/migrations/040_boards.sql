-- What Grafana's boards may read, and the role they read it as.
--
-- The schema "boards" holds one view per read-model table the boards query
-- (boards.<name> = SELECT * FROM <name>). Boards name the views, never the
-- tables: "govpulse rebuild" swaps a read model's table for a fresh one and
-- points the view at it in the same transaction, so a board's query keeps
-- working across a rebuild.
--
-- The role govpulse_boards may use the schema and read its views, nothing
-- else: not the event log, the outbox, the poison queue or any other table
-- (a view reads its table with its owner's rights). Views that later
-- migrations add to the schema are readable too (default privileges).
--
-- Roles belong to the whole cluster, and several databases of one cluster
-- (parallel test databases, say) may run this at the same time: the role
-- is created only if missing, and a concurrent creation is not an error.
-- The role cannot log in until an operator gives it a password:
--   ALTER ROLE govpulse_boards LOGIN PASSWORD '...';
-- (the compose stack's deploy/postgres/initdb does it; see README).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govpulse_boards') THEN
        CREATE ROLE govpulse_boards NOLOGIN;
    END IF;
EXCEPTION
    -- Created meanwhile by the migration of another database.
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

CREATE SCHEMA IF NOT EXISTS boards;
COMMENT ON SCHEMA boards IS 'Views of the read models for Grafana boards, read as govpulse_boards; rebuilds keep them on the live tables.';

CREATE OR REPLACE VIEW boards.case_stats AS SELECT * FROM case_stats;
CREATE OR REPLACE VIEW boards.license_stats AS SELECT * FROM license_stats;
CREATE OR REPLACE VIEW boards.lawsuit_stats AS SELECT * FROM lawsuit_stats;
CREATE OR REPLACE VIEW boards.target_status AS SELECT * FROM target_status;
CREATE OR REPLACE VIEW boards.target_status_history AS SELECT * FROM target_status_history;

GRANT USAGE ON SCHEMA boards TO govpulse_boards;
GRANT SELECT ON ALL TABLES IN SCHEMA boards TO govpulse_boards;
ALTER DEFAULT PRIVILEGES IN SCHEMA boards GRANT SELECT ON TABLES TO govpulse_boards;
