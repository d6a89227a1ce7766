-- The ID token a single sign-on session began with: the provider asks for it back
-- (as id_token_hint) when the person signs out there too. Cleared once used.
ALTER TABLE sign_in_session ADD COLUMN id_token_hint VARCHAR;
