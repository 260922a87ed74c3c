-- The Stytch user a dashboard user signs in as, recorded at their first
-- Stytch sign-in. The session guard looks users up by it on every request.
-- A unique index allows any number of NULLs in MySQL.
ALTER TABLE users
    ADD COLUMN stytch_user_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
    ADD UNIQUE KEY users_stytch_user_id (stytch_user_id);
