-- A portal's own rate-limit policy (assocdb portal set-rate-limit): a tier name, "off", or
-- "<per-10s>/<per-day>"; NULL follows the server's --rate-limit.
ALTER TABLE portals ADD COLUMN rate_limit TEXT;
