-- The portal's usage read model (031) for Grafana's boards, as views of
-- schema boards (040): a rebuild points them at its fresh tables. The
-- role govpulse_boards reads them by 040's default privileges; the grant
-- is repeated for a schema whose owner differs from this migration's.
CREATE OR REPLACE VIEW boards.portal_views AS SELECT * FROM portal_views;
CREATE OR REPLACE VIEW boards.portal_searches AS SELECT * FROM portal_searches;
GRANT SELECT ON boards.portal_views, boards.portal_searches TO govpulse_boards;

-- What the portal board's top-policy table names a policy by, from the
-- policies read model (030); not its versions or bodies. The policies
-- read model is rebuilt in place, so the view stays on it.
CREATE OR REPLACE VIEW boards.portal_policies AS
    SELECT policy_id, title, doc_number, issuer, document_type, categories, published_at, repealed_at FROM policies;
GRANT SELECT ON boards.portal_policies TO govpulse_boards;
