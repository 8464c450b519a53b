//! The SQL types of the columns the two databases store differently. The schema declares
//! those columns with these types; each backend maps them to its own, and the values that
//! go in and out of them convert for each.

use diesel::query_builder::QueryId;
use diesel::sql_types::SqlType;

/// An instant: PostgreSQL `timestamptz`; SQLite `INTEGER`, microseconds since the Unix
/// epoch.
#[derive(Debug, Clone, Copy, Default, SqlType, QueryId)]
pub struct Instant;

/// A list of strings, in order: PostgreSQL `text[]`; SQLite `TEXT`, one element per line
/// (no element may hold a line break: the domain refuses white space in every list).
#[derive(Debug, Clone, Copy, Default, SqlType, QueryId)]
pub struct TextList;

/// A UUID: PostgreSQL `uuid`; SQLite `TEXT`, lowercase and hyphenated.
#[derive(Debug, Clone, Copy, Default, SqlType, QueryId)]
pub struct Uuid;

#[cfg(feature = "postgres")]
mod postgres {
    use diesel::pg::{Pg, PgMetadataLookup, PgTypeMetadata};
    use diesel::sql_types::{Array, HasSqlType, Text, Timestamptz};

    impl HasSqlType<super::Instant> for Pg {
        fn metadata(lookup: &mut (dyn PgMetadataLookup + 'static)) -> PgTypeMetadata {
            <Self as HasSqlType<Timestamptz>>::metadata(lookup)
        }
    }

    impl HasSqlType<super::TextList> for Pg {
        fn metadata(lookup: &mut (dyn PgMetadataLookup + 'static)) -> PgTypeMetadata {
            <Self as HasSqlType<Array<Text>>>::metadata(lookup)
        }
    }

    impl HasSqlType<super::Uuid> for Pg {
        fn metadata(lookup: &mut (dyn PgMetadataLookup + 'static)) -> PgTypeMetadata {
            <Self as HasSqlType<diesel::sql_types::Uuid>>::metadata(lookup)
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use diesel::sql_types::HasSqlType;
    use diesel::sqlite::{Sqlite, SqliteType};

    impl HasSqlType<super::Instant> for Sqlite {
        fn metadata(_: &mut ()) -> SqliteType {
            SqliteType::Long
        }
    }

    impl HasSqlType<super::TextList> for Sqlite {
        fn metadata(_: &mut ()) -> SqliteType {
            SqliteType::Text
        }
    }

    impl HasSqlType<super::Uuid> for Sqlite {
        fn metadata(_: &mut ()) -> SqliteType {
            SqliteType::Text
        }
    }
}
