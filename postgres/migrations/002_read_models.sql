-- Read models folded from the log by the projections package, one row per
-- day (of the event's own time, in Asia/Shanghai) and dimension values.
-- Every measure is an integer sum, so applying batches one by one and
-- rebuilding from the whole log give the same rows, bit for bit.
--
-- Histograms are bigint[] of per-bucket counts, NOT cumulative: bucket i
-- counts values v with bound[i-1] < v <= bound[i] (the last bucket is
-- +Inf). Adding two histograms is element-wise; Prometheus' cumulative
-- le-buckets are prefix sums of these.
--   working days: 0, 1, 2, 3, 5, 10, 20, 35, 60, 85, 120, +Inf (12 buckets)
--   seconds:      1, 5, 10, 30, 60, 300, 3600, +Inf          (8 buckets)
--
-- Working days are elapsed working days as the calendar counts them
-- (accept date excluded, finish date included). A case whose dates fall in
-- a year without holiday data is counted (finished, results, promised) but
-- its working days are unknown: it is added to elapsed_unknown and to none
-- of the working-day measures; a rebuild after the year's data is added
-- counts it properly.

CREATE TABLE case_stats (
    day                  date   NOT NULL, -- of finished_at
    department           text   NOT NULL,
    district             text   NOT NULL,
    channel              text   NOT NULL,
    mode                 text   NOT NULL,
    item                 text   NOT NULL,
    finished             bigint NOT NULL,
    approved             bigint NOT NULL,
    rejected             bigint NOT NULL,
    withdrawn            bigint NOT NULL,
    assisted             bigint NOT NULL,
    elapsed_unknown      bigint NOT NULL, -- cases whose working days the calendar cannot count
    overdue              bigint NOT NULL, -- elapsed working days > promised
    elapsed_wd_sum       bigint NOT NULL, -- over cases with known working days
    promised_wd_sum      bigint NOT NULL, -- over all finished cases
    promised_cases       bigint NOT NULL, -- known working days and promised > 0
    promised_elapsed_sum bigint NOT NULL, -- Σ elapsed over promised_cases
    promised_limit_sum   bigint NOT NULL, -- Σ promised over promised_cases
    elapsed_wd_hist      bigint[] NOT NULL,
    instant              bigint NOT NULL, -- cases in instant (秒批) mode
    instant_ms_sum       bigint NOT NULL, -- Σ (finished_at - accepted_at) in ms, instant mode
    instant_seconds_hist bigint[] NOT NULL,
    PRIMARY KEY (day, department, district, channel, mode, item)
);
CREATE INDEX case_stats_elapsed_unknown ON case_stats (day) WHERE elapsed_unknown > 0;

CREATE TABLE license_stats (
    day                date   NOT NULL, -- of issued_at
    license_type       text   NOT NULL,
    department         text   NOT NULL,
    district           text   NOT NULL,
    holder_type        text   NOT NULL,
    issued             bigint NOT NULL,
    elapsed_unknown    bigint NOT NULL,
    within_1wd         bigint NOT NULL, -- issued within 1 working day of applying
    elapsed_wd_sum     bigint NOT NULL,
    elapsed_wd_hist    bigint[] NOT NULL,
    steps_sum          bigint NOT NULL,
    electronic         bigint NOT NULL,
    contracts          bigint NOT NULL, -- licences that gave contract_value_cny
    contract_value_fen bigint NOT NULL, -- Σ contract_value_cny in fen (0.01 CNY), rounded per licence
    PRIMARY KEY (day, license_type, department, district, holder_type)
);
CREATE INDEX license_stats_elapsed_unknown ON license_stats (day) WHERE elapsed_unknown > 0;

CREATE TABLE lawsuit_stats (
    day              date   NOT NULL, -- of hearing_at
    agency           text   NOT NULL,
    court            text   NOT NULL,
    hearings         bigint NOT NULL,
    head_appearances bigint NOT NULL, -- head or deputy head (负责人) appeared
    role_head        bigint NOT NULL,
    role_deputy_head bigint NOT NULL,
    role_staff       bigint NOT NULL,
    PRIMARY KEY (day, agency, court)
);

-- Lag and rebuild look up a consumer's newest batches.
CREATE INDEX consumer_batches_last ON consumer_batches (consumer, last_seq);
