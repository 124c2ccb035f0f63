-- 0010: an organization's events in order (`GET /v1/events` and its event stream): the
-- page and each poll of a stream read `organization_id = $1 and id > $2 order by id`.
create index events_organization on events (organization_id, id);
