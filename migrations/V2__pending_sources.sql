-- A page a moderator previewed with `/source add url:` and has not yet added or
-- cancelled: the document read from it, behind the preview's Add button (so the button
-- works after a restart, on any process). Kept a day at most.
CREATE TABLE pending_sources (
    key TEXT PRIMARY KEY,
    link TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pending_sources_created_at ON pending_sources (created_at);
