-- The at-rest key no longer lives beside the data it protects: it comes from
-- CHAOS_IDENTITY_SECRET_KEY only (a Secret in a deployment; npm start and the
-- test stacks supply local ones). A key generated here by an earlier release
-- is dropped with its table, so a dump of this database yields no key.
DROP TABLE local_secret_keys;
