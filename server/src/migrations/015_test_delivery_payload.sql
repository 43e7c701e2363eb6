-- A test delivery (`?test=1`) starts no run, so no execution keeps its payload: its row does,
-- so the Schedules & hooks page can open it after a restart too.
ALTER TABLE trigger_deliveries ADD COLUMN test_payload TEXT;
