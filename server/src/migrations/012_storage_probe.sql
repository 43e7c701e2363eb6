-- Written and emptied by the storage probe while writes are failing (disk full): a row is
-- inserted and deleted in one transaction, so a database that cannot grow fails it.
CREATE TABLE storage_probe (
  id INTEGER PRIMARY KEY,
  pad BLOB NOT NULL
);
