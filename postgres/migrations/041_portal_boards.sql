-- The portal's usage read model (031) for Grafana's boards, as views of
-- schema boards (040): a rebuild points them at its fresh tables. The
-- role govpulse_boards reads them by 040's default privileges; the grant
-- is repeated for a schema whose owner differs from this migration's.
CREATE OR REPLACE VIEW boards.portal_views AS SELECT * FROM portal_views;
CREATE OR REPLACE VIEW boards.portal_searches AS SELECT * FROM portal_searches;
GRANT SELECT ON boards.portal_views, boards.portal_searches TO govpulse_boards;
