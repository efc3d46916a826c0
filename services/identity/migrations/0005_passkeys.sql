-- Passkeys (WebAuthn credentials) of accounts: passwordless, phishing-resistant logins.
CREATE TABLE passkeys (
  -- The credential id as the authenticator made it (base64url).
  passkey_id text PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  -- COSE public key.
  public_key bytea NOT NULL,
  -- The authenticator's signature counter (0 for those that keep none): a counter that goes back means a cloned key.
  sign_count bigint NOT NULL,
  transports text[] NOT NULL,
  name text NOT NULL,
  backed_up boolean NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX passkeys_by_account ON passkeys (account_id, created_at);

-- One WebAuthn ceremony each: the challenge the browser must sign, used once, for a few minutes.
CREATE TABLE passkey_ceremonies (
  ceremony_id uuid PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('register', 'login')),
  -- The account a registration adds to; NULL for a login (any account's passkey may answer).
  account_id uuid REFERENCES accounts (account_id) ON DELETE CASCADE,
  challenge text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX passkey_ceremonies_by_expiry ON passkey_ceremonies (expires_at);
