-- The latest status of every target per department ("all" = city-wide),
-- and every change of status with when it happened, for boards.
CREATE TABLE target_status (
    target       text        NOT NULL,
    department   text        NOT NULL,
    status       text        NOT NULL,
    value        double precision,
    threshold    double precision NOT NULL,
    samples      bigint      NOT NULL,
    window_from  date        NOT NULL,
    window_to    date        NOT NULL,
    since        timestamptz NOT NULL,
    evaluated_at timestamptz NOT NULL,
    PRIMARY KEY (target, department)
);

CREATE TABLE target_status_history (
    id              bigserial   PRIMARY KEY,
    target          text        NOT NULL,
    department      text        NOT NULL,
    previous_status text,
    status          text        NOT NULL,
    value           double precision,
    threshold       double precision NOT NULL,
    samples         bigint      NOT NULL,
    window_from     date        NOT NULL,
    window_to       date        NOT NULL,
    changed_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX target_status_history_target ON target_status_history (target, department, changed_at);

-- When each department last had an event stored, kept by the ingest
-- tally; alerts say when a department's ingestion has stalled.
CREATE TABLE ingest_department_last (
    department       text        PRIMARY KEY,
    last_recorded_at timestamptz NOT NULL,
    events           bigint      NOT NULL
);
