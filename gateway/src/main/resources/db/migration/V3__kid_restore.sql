-- A revoked signing key can be restored (POST /admin/v1/keys/{kid}/restore): the row stays with
-- active = false so catch-up on every instance sees the restore. Every existing row is a
-- revocation in force.
ALTER TABLE revocations ADD COLUMN active boolean NOT NULL DEFAULT true;
