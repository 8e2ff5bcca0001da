-- Routes an operator switched off at runtime (POST /admin/v1/routes/disable): disabled = false
-- after an enable, the row stays so catch-up sees it. Keyed by the route's configured path.
CREATE TABLE route_states (
  route        text        PRIMARY KEY,
  disabled     boolean     NOT NULL,
  reason       text,
  revision     bigint      NOT NULL,
  committed_at timestamptz NOT NULL
);
CREATE INDEX route_states_revision ON route_states (revision);
