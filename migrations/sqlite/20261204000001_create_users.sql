-- Users of the dashboard. Timestamps are Unix milliseconds.
-- email keeps the letters as entered; email_key is its lower-case form and
-- carries the uniqueness, so that emails are unique case-insensitively.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('invited', 'active')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE UNIQUE INDEX users_email_key ON users (email_key);
