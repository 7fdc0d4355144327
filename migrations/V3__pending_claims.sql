-- An Add under a preview claims the page (one click wins, across processes) and deletes
-- it only once the source is written and indexed; a failed add releases the claim, so
-- the preview can be added again. A claim older than an hour (its process died) lapses.
ALTER TABLE pending_sources ADD COLUMN claimed_at BIGINT;
