#!/bin/sh
# Lets the Grafana boards log in: gives the read-only role govpulse_boards
# (GOVPULSE_BOARDS_ROLE) a login and the password in GOVPULSE_BOARDS_PASSWORD.
# The postgres image runs this once, when it initialises an empty data
# volume; govpulse's migration 040_boards.sql then grants the role the views
# of schema "boards" and nothing else. Running it again is harmless (it only
# sets the password again):
#
#   docker compose exec -e GOVPULSE_BOARDS_PASSWORD=... postgres \
#     sh /docker-entrypoint-initdb.d/10-govpulse-boards.sh
set -eu
: "${GOVPULSE_BOARDS_PASSWORD:?set GOVPULSE_BOARDS_PASSWORD to the password Grafana logs in with}"
role="${GOVPULSE_BOARDS_ROLE:-govpulse_boards}"
psql -v ON_ERROR_STOP=1 -v role="$role" -v pw="$GOVPULSE_BOARDS_PASSWORD" \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-govpulse}" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" LOGIN PASSWORD :'pw';
SQL
