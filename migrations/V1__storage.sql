-- attache's storage, one schema for SQLite and PostgreSQL (types both read alike:
-- TEXT, BIGINT). Times are Unix seconds. Discord ids of channels and threads are TEXT;
-- no member's id is ever stored (voters are an HMAC of it, see src/store/voter.rs).
--
-- Migrations only ever add (tables, indexes, nullable columns), so an older attache
-- keeps working against a database a newer one migrated (README, "Storage").

-- An answer that carried feedback buttons: what was asked, what it cited, from which
-- index generation. `key` rides in the buttons' custom ids.
CREATE TABLE answers (
    key TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    passages TEXT NOT NULL,
    generation BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX answers_created_at ON answers (created_at);

-- One vote per member per answer, changeable. `voter` is HMAC-SHA256(secret, user id).
CREATE TABLE votes (
    answer_key TEXT NOT NULL,
    voter TEXT NOT NULL,
    helpful BIGINT NOT NULL,
    comment TEXT,
    voted_at BIGINT NOT NULL,
    PRIMARY KEY (answer_key, voter)
);
CREATE INDEX votes_voted_at ON votes (voted_at);

-- Questions that found nothing, normalised, for /unanswered.
CREATE TABLE gaps (
    question TEXT PRIMARY KEY,
    asked BIGINT NOT NULL,
    last_asked BIGINT NOT NULL
);

-- Forum posts already answered: never a second answer, across restarts.
CREATE TABLE answered_threads (
    thread_id TEXT PRIMARY KEY,
    answered_at BIGINT NOT NULL
);

-- Questions too long to ride in a button's custom id, by key.
CREATE TABLE long_questions (
    key TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX long_questions_created_at ON long_questions (created_at);
