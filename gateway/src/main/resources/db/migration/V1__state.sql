-- Portcullis durable state (SPEC §6). Every change gets the next value of state_revision;
-- writers serialise on an advisory lock, so revision order is commit order and catch-up by
-- "revision > last seen" never skips a change.
CREATE SEQUENCE state_revision;

-- jti, subject and tenant "revoked before" cut-offs, revoked kids: current value per key.
CREATE TABLE revocations (
  kind         text        NOT NULL CHECK (kind IN ('JTI', 'SUBJECT', 'TENANT', 'KID')),
  key          text        NOT NULL,
  org          text,
  sub          text,
  expires_at   timestamptz,
  cutoff       timestamptz,
  reason       text,
  revision     bigint      NOT NULL,
  committed_at timestamptz NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX revocations_revision ON revocations (revision);
CREATE INDEX revocations_jti_expiry ON revocations (expires_at) WHERE kind = 'JTI';

-- suspended = false after a resume: the row stays so catch-up sees the resume.
CREATE TABLE tenant_states (
  org          text        PRIMARY KEY,
  suspended    boolean     NOT NULL,
  reason       text,
  revision     bigint      NOT NULL,
  committed_at timestamptz NOT NULL
);
CREATE INDEX tenant_states_revision ON tenant_states (revision);

-- rate_limit is NULL once removed: a tombstone, so catch-up sees the removal.
CREATE TABLE rate_limit_overrides (
  subject      text        PRIMARY KEY,
  rate_limit   text,
  reason       text,
  revision     bigint      NOT NULL,
  committed_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_overrides_revision ON rate_limit_overrides (revision);

CREATE TABLE audit_events (
  id         bigserial   PRIMARY KEY,
  time       timestamptz NOT NULL,
  actor      text        NOT NULL,
  action     text        NOT NULL,
  target     text,
  org        text,
  reason     text,
  source     text,
  request_id text,
  outcome    text        NOT NULL,
  revision   bigint
);
-- the export: a time range, optionally by action or org
CREATE INDEX audit_events_time ON audit_events (time, id);
CREATE INDEX audit_events_action_time ON audit_events (action, time);
CREATE INDEX audit_events_org_time ON audit_events (org, time);
