-- The Stytch user a dashboard user signs in as, recorded at their first
-- Stytch sign-in. The session guard looks users up by it on every request.
ALTER TABLE users ADD COLUMN stytch_user_id TEXT;

CREATE UNIQUE INDEX users_stytch_user_id ON users (stytch_user_id);
