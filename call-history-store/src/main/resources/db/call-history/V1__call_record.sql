-- One row per session: the facts folded so far (see CallState) plus derived columns for queries.
-- Portable SQL: H2 (standalone) and PostgreSQL.
CREATE TABLE call_record (
    session_id       VARCHAR      NOT NULL PRIMARY KEY,
    agent_id         VARCHAR,
    client_user_ref  VARCHAR,
    origin           VARCHAR,
    outcome          VARCHAR(16),
    error_code       VARCHAR(64),
    requested_at     TIMESTAMP WITH TIME ZONE,
    started_at       TIMESTAMP WITH TIME ZONE,
    ended_at         TIMESTAMP WITH TIME ZONE,
    end_reason       VARCHAR(32),
    duration_seconds BIGINT,
    room_name        VARCHAR,
    facts            INTEGER      NOT NULL,
    progress         SMALLINT     NOT NULL,
    publish_pending  BOOLEAN      NOT NULL,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX call_record_newest ON call_record (requested_at DESC, session_id DESC);
CREATE INDEX call_record_by_user ON call_record (client_user_ref, requested_at DESC, session_id DESC);
CREATE INDEX call_record_by_agent ON call_record (agent_id, requested_at DESC, session_id DESC);
