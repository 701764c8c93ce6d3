-- Version 2: facts about the database itself, one row per key.
--
-- `demo` marks the databases it creates (key 'demo'), so that `demo` and
-- `demo --reset` never touch a database it did not create.
CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
    value TEXT NOT NULL CHECK (length(value) <= 4096)
) STRICT;
