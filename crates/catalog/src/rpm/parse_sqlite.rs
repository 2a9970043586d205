//! rpm's SQLite database (`rpmdb.sqlite`, rpm 4.16 and later: Fedora 33+, RHEL 9, openSUSE):
//! the table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)` holds one header blob per package.
//!
//! SQLite reads from a file, so the kept bytes are written to a private temporary directory and
//! opened read-only. The file is hostile: only a real table named `Packages` is read, schema
//! functions are not trusted, and a progress handler stops any statement that runs too long.

use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

/// Longest time one database may take to read.
const DEADLINE: Duration = Duration::from_secs(30);

/// Why an SQLite rpm database could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqliteError {
    #[error("cannot write a temporary copy: {0}")]
    Temp(#[from] std::io::Error),
    #[error("not a readable SQLite database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no Packages table: not an rpm database")]
    NoPackagesTable,
    #[error("Packages is a {0}, not a table")]
    NotATable(String),
}

/// Calls `each` with every header blob of the database `db` (with its write-ahead log `wal`, if
/// the image kept a non-empty one), or with why a row holds none.
pub fn read_sqlite(db: &[u8], wal: Option<&[u8]>, each: &mut dyn FnMut(super::Record<'_>)) -> Result<(), SqliteError> {
    let dir = tempfile::Builder::new().prefix("vigil-rpmdb-").tempdir()?;
    let path = dir.path().join("rpmdb.sqlite");
    write_file(&path, db)?;
    let wal = wal.filter(|w| !w.is_empty());
    if let Some(w) = wal {
        write_file(&dir.path().join("rpmdb.sqlite-wal"), w)?;
    }
    // Without a log the copy never changes: `immutable` skips locking and journal lookups. With
    // one, SQLite needs the log (and creates its index) beside the copy, in our own directory.
    let uri = format!(
        "file:{}?mode=ro{}",
        uri_path(&path),
        if wal.is_some() { "" } else { "&immutable=1" }
    );
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    let deadline = Instant::now() + DEADLINE;
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline));
    conn.execute_batch("PRAGMA trusted_schema = OFF; PRAGMA query_only = ON;")?;
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE",
            [],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })?;
    match kind.as_deref() {
        None => return Err(SqliteError::NoPackagesTable),
        Some("table") => {}
        Some(other) => return Err(SqliteError::NotATable(other.to_string())),
    }
    let mut stmt = conn.prepare("SELECT hnum, blob FROM Packages")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let hnum = row.get_ref(0).ok().and_then(|v| v.as_i64().ok()).unwrap_or_default();
        match row.get_ref(1)? {
            ValueRef::Blob(b) => each(Ok(b)),
            other => each(Err(format!(
                "record {hnum}: the blob column holds {}, not a blob",
                other.data_type()
            ))),
        }
    }
    Ok(())
}

fn write_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    f.write_all(data)?;
    f.flush()
}

/// A file path as the path of a `file:` URI: unreserved bytes and `/` as they are, the rest
/// percent-encoded (so `?` or `#` in a temporary directory name cannot end the path).
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_db(sql: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(sql).expect("sql");
        drop(conn);
        std::fs::read(&path).expect("read")
    }

    fn collect(db: &[u8], wal: Option<&[u8]>) -> Result<Vec<Result<Vec<u8>, String>>, SqliteError> {
        let mut out = Vec::new();
        read_sqlite(db, wal, &mut |r| out.push(r.map(<[u8]>::to_vec)))?;
        Ok(out)
    }

    #[test]
    fn reads_blobs_and_reports_rows_without_one() {
        let db = make_db(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             INSERT INTO Packages (hnum, blob) VALUES (1, x'00010203'), (2, 'text'), (3, x'ff');",
        );
        let got = collect(&db, None).expect("read");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Ok(vec![0, 1, 2, 3]));
        assert!(got[1]
            .as_ref()
            .is_err_and(|e| e.contains("record 2") && e.contains("Text")));
        assert_eq!(got[2], Ok(vec![0xff]));
    }

    #[test]
    fn garbage_truncation_and_wrong_schemas_are_errors() {
        assert!(matches!(
            collect(b"not a database at all, just text", None),
            Err(SqliteError::Sqlite(_))
        ));
        let db = make_db("CREATE TABLE Other (x); INSERT INTO Other VALUES (1);");
        assert!(matches!(collect(&db, None), Err(SqliteError::NoPackagesTable)));
        let db = make_db("CREATE TABLE t (x); CREATE VIEW Packages AS SELECT x AS hnum, x AS blob FROM t;");
        assert!(matches!(collect(&db, None), Err(SqliteError::NotATable(v)) if v == "view"));
        let db = make_db(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)
             INSERT INTO Packages SELECT i, randomblob(600) FROM n;",
        );
        assert_eq!(collect(&db, None).expect("whole").len(), 400);
        let cut = &db[..db.len() / 2];
        assert!(
            collect(cut, None).is_err(),
            "a database cut in half must fail, not half-read"
        );
    }

    #[test]
    fn paths_are_escaped_for_uris() {
        assert_eq!(
            uri_path(Path::new("/tmp/a b?c#d/rpmdb.sqlite")),
            "/tmp/a%20b%3Fc%23d/rpmdb.sqlite"
        );
    }
}
