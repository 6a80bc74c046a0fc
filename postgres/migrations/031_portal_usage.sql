-- The portal's usage read model, folded from govpulse.policy.viewed.v1 and
-- govpulse.portal.searched.v1 by package projections, one row per day (of
-- the view's or search's time, in Asia/Shanghai) and key. Integer sums
-- only, so applying batches one by one and a rebuild give the same rows.
-- Nothing about the visitor is kept, in the events or here.

CREATE TABLE portal_views (
    day       date   NOT NULL,
    policy_id text   NOT NULL,
    origin    text   NOT NULL, -- search, match, home, feed, direct
    views     bigint NOT NULL,
    PRIMARY KEY (day, policy_id, origin)
);
-- Top policies over a period, and a policy's own history.
CREATE INDEX portal_views_policy ON portal_views (policy_id, day);

CREATE TABLE portal_searches (
    day          date   NOT NULL,
    query        text   NOT NULL, -- as recorded: cleaned, at most 64 characters
    searches     bigint NOT NULL,
    zero_results bigint NOT NULL, -- searches that found nothing
    results_sum  bigint NOT NULL, -- Σ result counts
    PRIMARY KEY (day, query)
);
CREATE INDEX portal_searches_zero ON portal_searches (day) WHERE zero_results > 0;
