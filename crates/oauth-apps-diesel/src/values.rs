//! The values of the columns the two databases store differently ([`crate::sql_types`]),
//! converted for each.

use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use oauth_apps_domain::Timestamp;
use time::OffsetDateTime;

use crate::sql_types;

/// The value of an [`sql_types::Instant`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Instant)]
pub(crate) struct InstantValue(pub(crate) OffsetDateTime);

impl From<Timestamp> for InstantValue {
    fn from(t: Timestamp) -> Self {
        Self(t.as_offset_date_time())
    }
}

impl From<InstantValue> for Timestamp {
    fn from(value: InstantValue) -> Self {
        Self::from_offset_date_time(value.0)
    }
}

/// The value of a [`sql_types::TextList`] column.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::TextList)]
pub(crate) struct TextListValue(pub(crate) Vec<String>);

impl TextListValue {
    /// The list of `items`, in order.
    pub(crate) fn of<'a>(items: impl IntoIterator<Item = &'a str>) -> Self {
        Self(items.into_iter().map(str::to_owned).collect())
    }
}

/// The value of a [`sql_types::Uuid`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Uuid)]
pub(crate) struct UuidValue(pub(crate) uuid::Uuid);

#[cfg(feature = "postgres")]
mod postgres {
    use diesel::deserialize::{self, FromSql};
    use diesel::pg::{Pg, PgValue};
    use diesel::serialize::{self, Output, ToSql};
    use diesel::sql_types::{Array, Text, Timestamptz};
    use time::OffsetDateTime;

    use super::{InstantValue, TextListValue, UuidValue};
    use crate::sql_types;

    impl ToSql<sql_types::Instant, Pg> for InstantValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <OffsetDateTime as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
        }
    }

    impl FromSql<sql_types::Instant, Pg> for InstantValue {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            <OffsetDateTime as FromSql<Timestamptz, Pg>>::from_sql(bytes).map(Self)
        }
    }

    impl ToSql<sql_types::TextList, Pg> for TextListValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <Vec<String> as ToSql<Array<Text>, Pg>>::to_sql(&self.0, out)
        }
    }

    impl FromSql<sql_types::TextList, Pg> for TextListValue {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            <Vec<String> as FromSql<Array<Text>, Pg>>::from_sql(bytes).map(Self)
        }
    }

    impl ToSql<sql_types::Uuid, Pg> for UuidValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <uuid::Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(&self.0, out)
        }
    }

    impl FromSql<sql_types::Uuid, Pg> for UuidValue {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(Self)
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use diesel::deserialize::{self, FromSql};
    use diesel::serialize::{self, IsNull, Output, ToSql};
    use diesel::sql_types::{BigInt, Text};
    use diesel::sqlite::{Sqlite, SqliteValue};
    use time::OffsetDateTime;

    use super::{InstantValue, TextListValue, UuidValue};
    use crate::sql_types;

    impl ToSql<sql_types::Instant, Sqlite> for InstantValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            let micros = i64::try_from(self.0.unix_timestamp_nanos().div_euclid(1_000))?;
            out.set_value(micros);
            Ok(IsNull::No)
        }
    }

    impl FromSql<sql_types::Instant, Sqlite> for InstantValue {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let micros = <i64 as FromSql<BigInt, Sqlite>>::from_sql(value)?;
            let instant = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)?;
            Ok(Self(instant))
        }
    }

    impl ToSql<sql_types::TextList, Sqlite> for TextListValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.0.join("\n"));
            Ok(IsNull::No)
        }
    }

    impl FromSql<sql_types::TextList, Sqlite> for TextListValue {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
            Ok(Self(if text.is_empty() {
                Vec::new()
            } else {
                text.split('\n').map(str::to_owned).collect()
            }))
        }
    }

    impl ToSql<sql_types::Uuid, Sqlite> for UuidValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.0.hyphenated().to_string());
            Ok(IsNull::No)
        }
    }

    impl FromSql<sql_types::Uuid, Sqlite> for UuidValue {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
            Ok(Self(uuid::Uuid::try_parse(&text)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_keep_their_microseconds() {
        let t = Timestamp::from_unix_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(Timestamp::from(InstantValue::from(t)), t);
    }
}
