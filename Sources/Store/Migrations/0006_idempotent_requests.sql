-- AIP-155: the first response to each (user, request_id) of a mutating RPC, so that a retry with the same request id
-- gets that response instead of a second write. A row without a response is a request still running (or one whose
-- process died: it may be taken over after a while). Rows are kept for a day.
CREATE TABLE idempotent_requests (
    organization_id uuid NOT NULL,
    user_id uuid NOT NULL,
    request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 128),
    method text NOT NULL CHECK (length(method) BETWEEN 1 AND 200),
    request_sha256 bytea NOT NULL CHECK (length(request_sha256) = 32),
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    CHECK ((response IS NULL) = (completed_at IS NULL)),
    PRIMARY KEY (user_id, request_id),
    FOREIGN KEY (user_id, organization_id) REFERENCES users (id, organization_id) ON DELETE CASCADE
);

-- Each user sees and writes only their own requests.
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotent_requests TO harvestry_service;
ALTER TABLE idempotent_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotent_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY idempotent_requests_own ON idempotent_requests TO harvestry_service
    USING (organization_id = harvestry_organization_id() AND user_id = harvestry_user_id())
    WITH CHECK (organization_id = harvestry_organization_id() AND user_id = harvestry_user_id());
