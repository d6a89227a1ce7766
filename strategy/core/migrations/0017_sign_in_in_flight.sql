-- A sign-in attempt whose password is still being checked. It is not yet a failure:
-- a room signing in together behind one address must not slow itself down.
ALTER TABLE sign_in_attempt ADD COLUMN in_flight BOOLEAN DEFAULT false;
