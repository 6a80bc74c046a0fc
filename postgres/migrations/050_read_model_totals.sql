-- Totals of the read models that /metrics sums (projections.WithTotals):
-- each read model's measures summed over every day and the key columns
-- its metrics do not export, one row per combination of the rest, so
-- that a scrape reads about a thousand rows instead of a year's. Every
-- batch's upsert adds its rows' sums here in the same transaction as the
-- read model's own upsert, and a rebuild swaps in fresh totals with the
-- fresh table, so a totals table always equals its read model summed by
-- its keys.
--
-- The rows already in the read models are summed in here once. The
-- read models' swap locks (Apply holds them shared) keep a batch from
-- being applied between that sum and this migration's commit.

SELECT pg_advisory_xact_lock(7001101), pg_advisory_xact_lock(7001102), pg_advisory_xact_lock(7001110);

CREATE TABLE case_stats_totals (
    department           text   NOT NULL,
    district             text   NOT NULL,
    channel              text   NOT NULL,
    mode                 text   NOT NULL,
    finished             bigint NOT NULL,
    approved             bigint NOT NULL,
    rejected             bigint NOT NULL,
    withdrawn            bigint NOT NULL,
    assisted             bigint NOT NULL,
    elapsed_unknown      bigint NOT NULL,
    overdue              bigint NOT NULL,
    elapsed_wd_sum       bigint NOT NULL,
    promised_wd_sum      bigint NOT NULL,
    promised_cases       bigint NOT NULL,
    promised_elapsed_sum bigint NOT NULL,
    promised_limit_sum   bigint NOT NULL,
    elapsed_wd_hist      bigint[] NOT NULL,
    instant              bigint NOT NULL,
    instant_ms_sum       bigint NOT NULL,
    instant_seconds_hist bigint[] NOT NULL,
    PRIMARY KEY (department, district, channel, mode)
);
INSERT INTO case_stats_totals (department, district, channel, mode, finished, approved, rejected, withdrawn, assisted,
        elapsed_unknown, overdue, elapsed_wd_sum, promised_wd_sum, promised_cases, promised_elapsed_sum, promised_limit_sum,
        elapsed_wd_hist, instant, instant_ms_sum, instant_seconds_hist)
    SELECT department, district, channel, mode, sum(finished)::bigint, sum(approved)::bigint, sum(rejected)::bigint,
        sum(withdrawn)::bigint, sum(assisted)::bigint, sum(elapsed_unknown)::bigint, sum(overdue)::bigint,
        sum(elapsed_wd_sum)::bigint, sum(promised_wd_sum)::bigint, sum(promised_cases)::bigint,
        sum(promised_elapsed_sum)::bigint, sum(promised_limit_sum)::bigint,
        ARRAY[sum(elapsed_wd_hist[1]), sum(elapsed_wd_hist[2]), sum(elapsed_wd_hist[3]), sum(elapsed_wd_hist[4]),
              sum(elapsed_wd_hist[5]), sum(elapsed_wd_hist[6]), sum(elapsed_wd_hist[7]), sum(elapsed_wd_hist[8]),
              sum(elapsed_wd_hist[9]), sum(elapsed_wd_hist[10]), sum(elapsed_wd_hist[11]), sum(elapsed_wd_hist[12])]::bigint[],
        sum(instant)::bigint, sum(instant_ms_sum)::bigint,
        ARRAY[sum(instant_seconds_hist[1]), sum(instant_seconds_hist[2]), sum(instant_seconds_hist[3]), sum(instant_seconds_hist[4]),
              sum(instant_seconds_hist[5]), sum(instant_seconds_hist[6]), sum(instant_seconds_hist[7]), sum(instant_seconds_hist[8])]::bigint[]
    FROM case_stats GROUP BY department, district, channel, mode;

CREATE TABLE license_stats_totals (
    license_type       text   NOT NULL,
    department         text   NOT NULL,
    issued             bigint NOT NULL,
    elapsed_unknown    bigint NOT NULL,
    within_1wd         bigint NOT NULL,
    elapsed_wd_sum     bigint NOT NULL,
    elapsed_wd_hist    bigint[] NOT NULL,
    steps_sum          bigint NOT NULL,
    electronic         bigint NOT NULL,
    contracts          bigint NOT NULL,
    contract_value_fen bigint NOT NULL,
    PRIMARY KEY (license_type, department)
);
INSERT INTO license_stats_totals (license_type, department, issued, elapsed_unknown, within_1wd, elapsed_wd_sum, elapsed_wd_hist,
        steps_sum, electronic, contracts, contract_value_fen)
    SELECT license_type, department, sum(issued)::bigint, sum(elapsed_unknown)::bigint, sum(within_1wd)::bigint,
        sum(elapsed_wd_sum)::bigint,
        ARRAY[sum(elapsed_wd_hist[1]), sum(elapsed_wd_hist[2]), sum(elapsed_wd_hist[3]), sum(elapsed_wd_hist[4]),
              sum(elapsed_wd_hist[5]), sum(elapsed_wd_hist[6]), sum(elapsed_wd_hist[7]), sum(elapsed_wd_hist[8]),
              sum(elapsed_wd_hist[9]), sum(elapsed_wd_hist[10]), sum(elapsed_wd_hist[11]), sum(elapsed_wd_hist[12])]::bigint[],
        sum(steps_sum)::bigint, sum(electronic)::bigint, sum(contracts)::bigint, sum(contract_value_fen)::bigint
    FROM license_stats GROUP BY license_type, department;

CREATE TABLE portal_views_totals (
    policy_id text   NOT NULL,
    origin    text   NOT NULL,
    views     bigint NOT NULL,
    PRIMARY KEY (policy_id, origin)
);
INSERT INTO portal_views_totals (policy_id, origin, views)
    SELECT policy_id, origin, sum(views)::bigint FROM portal_views GROUP BY policy_id, origin;
