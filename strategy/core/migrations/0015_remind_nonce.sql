-- The nonces of `remind` requests the app has run, kept for as long as a captured
-- request could still be replayed: a restart of the server must not forget them.
CREATE TABLE remind_nonce (
    nonce VARCHAR PRIMARY KEY,
    forget_after DOUBLE NOT NULL  -- seconds since the epoch
);
