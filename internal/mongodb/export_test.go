package mongodb

// TrustSQLiteAlone makes the embedded read path return every row SQLite
// selects without checking it against the filter: a wrong answer on purpose,
// for the test that shows CheckReadPath catches one.
func TrustSQLiteAlone(d *DB) { d.reader.faults.trustSQLite = true }
