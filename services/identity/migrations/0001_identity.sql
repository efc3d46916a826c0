-- Accounts and their credentials. Emails are stored lower-cased, so the
-- unique constraint makes "Ann@x.org" and "ann@x.org" one account.
CREATE TABLE accounts (
  account_id uuid PRIMARY KEY,
  email text NOT NULL UNIQUE,
  -- Self-describing scrypt hash: "scrypt$ln=..,r=..,p=..$salt$hash" (core/password-hash.ts).
  password_hash text NOT NULL,
  roles text[] NOT NULL,
  -- Consecutive failed logins since the last success or lock.
  failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until timestamptz,
  -- TOTP secret, AES-256-GCM sealed (core/secret-box.ts); set by EnrollMfa, cleared by DisableMfa.
  mfa_secret bytea,
  mfa_enabled boolean NOT NULL DEFAULT false,
  -- Last TOTP time step accepted: a code of this step or an earlier one is a replay.
  mfa_last_step bigint,
  created_at timestamptz NOT NULL
);

-- One-time MFA recovery codes, as SHA-256 of the normalized code (80 random bits each).
CREATE TABLE recovery_codes (
  account_id uuid NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (account_id, code_hash)
);

-- A session is one login: the family of refresh tokens rotated from it.
CREATE TABLE sessions (
  session_id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  user_agent text NOT NULL,
  ip_address text NOT NULL,
  created_at timestamptz NOT NULL,
  last_refresh_at timestamptz,
  -- The family's end: no refresh token of this session works after it.
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  -- "user", "all_sessions", "token_reuse" or "admin" (SessionRevoked.cause).
  revoke_cause text
);
CREATE INDEX sessions_open_by_account ON sessions (account_id, created_at) WHERE revoked_at IS NULL;

-- Refresh tokens as SHA-256 of the token (32 random bytes): a leaked table yields no usable token.
-- A used token stays, so that presenting it again is recognized as reuse.
CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Ed25519 keys that sign access tokens. The newest signs; retired ones stay
-- published until every token they signed has expired, then are deleted.
CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  -- The public JWK (kty, crv, x) as published by ListPublicKeys.
  public_jwk jsonb NOT NULL,
  -- PKCS#8 DER of the private key, AES-256-GCM sealed.
  private_key bytea NOT NULL,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);

-- The at-rest encryption key when none is configured (CHAOS_IDENTITY_SECRET_KEY).
CREATE TABLE local_secret_keys (
  name text PRIMARY KEY,
  key bytea NOT NULL CHECK (length(key) = 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
