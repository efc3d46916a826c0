-- Characters as notification knows them: a read model of player's
-- CharacterCreated and CharacterDeleted events. Domain events name
-- characters; this says whose player a notification is for, and its name.
CREATE TABLE characters (
  character_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  name text NOT NULL,
  deleted_at timestamptz
);

-- Email addresses: a read model of identity's AccountRegistered. The
-- player's own personal data: only this service's database role reads it; it
-- is never in an event, a log line or an answer, and leaves only as the
-- recipient of the player's own emails.
CREATE TABLE accounts (
  account_id text PRIMARY KEY,
  email text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now()
);

-- A player's preferences; no row means the defaults.
CREATE TABLE preferences (
  player_id text PRIMARY KEY,
  -- Category number -> channel names ("in_app", "email", "webhook") for the categories set.
  channels jsonb NOT NULL DEFAULT '{}',
  quiet_start text,
  quiet_end text,
  time_zone text NOT NULL DEFAULT 'UTC',
  email_opt_out boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One notification per (source event, player): a redelivered event finds its row.
CREATE TABLE notifications (
  notification_id uuid PRIMARY KEY,
  player_id text NOT NULL,
  category smallint NOT NULL,
  kind text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  link text NOT NULL,
  character_id text NOT NULL,
  source_event_id text NOT NULL,
  -- Shown in the notification centre and the live feed (the category's channels include in-app).
  in_app boolean NOT NULL,
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (source_event_id, player_id)
);
CREATE INDEX notifications_centre ON notifications (player_id, created_at DESC, notification_id DESC) WHERE in_app;
CREATE INDEX notifications_unread ON notifications (player_id) WHERE in_app AND read_at IS NULL;

-- Webhooks: a player's own, or the studio's (player_id NULL) for every player's notifications of their categories.
CREATE TABLE webhooks (
  webhook_id uuid PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('player', 'studio')),
  player_id text,
  url text NOT NULL,
  categories smallint[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  CHECK ((scope = 'player') = (player_id IS NOT NULL))
);
CREATE INDEX webhooks_of_player ON webhooks (player_id) WHERE deleted_at IS NULL;
CREATE INDEX webhooks_of_studio ON webhooks (scope) WHERE deleted_at IS NULL AND scope = 'studio';

-- Signing secrets of a webhook: every one not expired signs (a rotation keeps the old one until expires_at).
-- Kept in the clear because HMAC needs them; only this service's role reads the table.
CREATE TABLE webhook_secrets (
  secret_id uuid PRIMARY KEY,
  webhook_id uuid NOT NULL REFERENCES webhooks (webhook_id),
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz
);
CREATE INDEX webhook_secrets_of ON webhook_secrets (webhook_id);

-- One row per (notification, channel, target): the delivery's own key, claimed
-- before anything is sent. An email's target is '' and a webhook's its id.
CREATE TABLE deliveries (
  delivery_id uuid PRIMARY KEY,
  notification_id uuid NOT NULL REFERENCES notifications (notification_id),
  player_id text NOT NULL,
  category smallint NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
  target text NOT NULL,
  -- Studio deliveries are listed by admins, a player's by the player.
  studio boolean NOT NULL DEFAULT false,
  state text NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'retrying', 'dead_lettered', 'unconfirmed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  due_at timestamptz NOT NULL,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (notification_id, channel, target)
);
CREATE INDEX deliveries_of_player ON deliveries (player_id, created_at DESC, delivery_id DESC) WHERE NOT studio;
CREATE INDEX deliveries_of_studio ON deliveries (created_at DESC, delivery_id DESC) WHERE studio;

-- Keys this service made itself (the unsubscribe tokens' HMAC key), the same on every replica.
CREATE TABLE service_keys (
  name text PRIMARY KEY,
  key text NOT NULL
);
