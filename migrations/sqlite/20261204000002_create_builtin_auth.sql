-- The built-in identity provider's magic links and sessions. Only SHA-256
-- hashes of the tokens are stored (hex), so a copy of the database cannot
-- be used to sign in. Rows point at users without a foreign key, which
-- PlanetScale does not require; deleting a user deletes its rows in code.
CREATE TABLE magic_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('login', 'invite')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

CREATE INDEX magic_links_user_id ON magic_links (user_id);
CREATE INDEX magic_links_expires_at ON magic_links (expires_at);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
