-- The policies read model (政策通), folded from the govpulse.policy.* events
-- by projections.Policies. Each policy's rows are a function of its events
-- in the log alone (re-folded whole when one of them arrives), so applying
-- batches one by one and rebuilding from the log give the same rows.

-- Finds a policy's events in the log: ingest checks that an amendment's
-- policy exists, the read model re-folds a policy from its events.
CREATE INDEX events_policy_id ON events (((envelope -> 'data') ->> 'policy_id'), seq)
    WHERE type IN ('govpulse.policy.published.v1', 'govpulse.policy.interpreted.v1',
                   'govpulse.policy.amended.v1', 'govpulse.policy.extended.v1',
                   'govpulse.policy.repealed.v1');

-- One row per policy: its current version, and what filters read.
CREATE TABLE policies (
    policy_id        text    PRIMARY KEY,
    issuer           text    NOT NULL,
    doc_number       text    NOT NULL,
    doc_key          text    NOT NULL, -- 文号 normalised (portal/search.DocKey)
    title            text    NOT NULL,
    document_type    text    NOT NULL,
    categories       text[]  NOT NULL,
    published_at     date    NOT NULL,
    effective_from   date    NOT NULL,
    effective_to     date,
    repealed_at      date,
    superseded_by    text,
    versions         int     NOT NULL,
    current          jsonb   NOT NULL, -- portal.Policy of the latest version
    repeal           jsonb,            -- portal.Repeal
    last_seq         bigint  NOT NULL, -- newest event folded
    generation       bigint  NOT NULL  -- policy_model.generation that wrote the row
);
CREATE INDEX policies_generation ON policies (generation);

-- Every version: the policy as it read then, and what it changed.
CREATE TABLE policy_versions (
    policy_id  text        NOT NULL,
    n          int         NOT NULL,
    kind       text        NOT NULL, -- published, amended, extended, repealed
    at         timestamptz NOT NULL,
    doc_number text        NOT NULL,
    reason     text        NOT NULL,
    policy     jsonb       NOT NULL, -- portal.Policy
    changes    jsonb       NOT NULL, -- []portal.Change
    PRIMARY KEY (policy_id, n)
);

CREATE TABLE policy_interpretations (
    policy_id         text        NOT NULL,
    interpretation_id text        NOT NULL,
    kind              text        NOT NULL,
    title             text        NOT NULL,
    body              text        NOT NULL,
    qa                jsonb       NOT NULL,
    by_whom           text        NOT NULL,
    at                timestamptz NOT NULL,
    PRIMARY KEY (policy_id, interpretation_id)
);

-- Every 文号 a policy answers to (its own and its amending documents'),
-- normalised, for the exact lookup that search tries first.
CREATE TABLE policy_doc_numbers (
    doc_key   text NOT NULL,
    policy_id text NOT NULL,
    PRIMARY KEY (doc_key, policy_id)
);

-- The search index: tsvectors built in Go from CJK bigrams, in parts of
-- bounded length (positions stop at 16,383); part 0 holds the title (A),
-- the 文号 and issuer (B) and the interpretations (C), parts 1.. the body
-- (D) in sections.
CREATE TABLE policy_search (
    policy_id text     NOT NULL,
    part      int      NOT NULL,
    tsv       tsvector NOT NULL,
    PRIMARY KEY (policy_id, part)
);
CREATE INDEX policy_search_tsv ON policy_search USING gin (tsv);

-- A counter bumped by every write, so readers know when to reload; reset
-- is the generation of the last rebuild (readers reload everything).
CREATE TABLE policy_model (
    id         int    PRIMARY KEY CHECK (id = 1),
    generation bigint NOT NULL,
    reset      bigint NOT NULL
);
INSERT INTO policy_model VALUES (1, 0, 0);
