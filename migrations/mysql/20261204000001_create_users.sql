-- Users of the dashboard. Timestamps are Unix milliseconds.
-- email keeps the letters as entered; email_key is its lower-case form and
-- carries the uniqueness with a binary collation, so that emails are unique
-- case-insensitively but accented letters stay distinct.
-- Runs on MySQL 8, MariaDB and PlanetScale: a primary key on every table,
-- no foreign keys.
CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(255) NOT NULL,
    email VARCHAR(254) NOT NULL,
    email_key VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_email_key (email_key),
    CONSTRAINT users_status CHECK (status IN ('invited', 'active'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
