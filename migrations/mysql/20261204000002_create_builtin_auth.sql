-- The built-in identity provider's magic links and sessions. Only SHA-256
-- hashes of the tokens are stored (hex), so a copy of the database cannot
-- be used to sign in. Rows point at users without a foreign key, which
-- PlanetScale does not require; deleting a user deletes its rows in code.
CREATE TABLE magic_links (
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id BIGINT NOT NULL,
    purpose VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    PRIMARY KEY (token_hash),
    KEY magic_links_user_id (user_id),
    KEY magic_links_expires_at (expires_at),
    CONSTRAINT magic_links_purpose CHECK (purpose IN ('login', 'invite'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE sessions (
    token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    user_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (token_hash),
    KEY sessions_user_id (user_id),
    KEY sessions_expires_at (expires_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
