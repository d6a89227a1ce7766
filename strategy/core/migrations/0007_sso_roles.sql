-- Where a role came from: given by an administrator, or mapped from the person's
-- groups at single sign-on (taken away again when the group is).
ALTER TABLE membership ADD COLUMN source VARCHAR DEFAULT 'administrator';
ALTER TABLE account ADD COLUMN administrator_from_sso BOOLEAN DEFAULT false;
