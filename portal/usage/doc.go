// Package usage records how the portal (政策通) is used: each policy page
// shown and each search answered becomes an event in the log
// (govpulse.policy.viewed.v1, govpulse.portal.searched.v1), appended in
// batches off the request path. Recording never slows or fails a page:
// when the database is slow the events wait in a bounded buffer, and when
// the buffer is full they are dropped and counted. Nothing about the
// visitor is kept: no IP address, cookie or user agent.
//
// The read model the events fold into (portal_views, portal_searches) and
// the govpulse_portal_* metrics are in package projections.
package usage
