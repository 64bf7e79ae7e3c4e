//! SQL for the daily digest (每日要情): the tickets filed in a time range.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::Store;
use super::tickets::RecordError;
use crate::tickets::CategoryTree;
use crate::tickets::digest::{self, Digest, DigestTicket};

impl Store {
    /// The digest of the local day `date` in `tz`.
    pub fn digest(
        &self,
        date: Date,
        tz: &TimeZone,
        categories: &CategoryTree,
    ) -> Result<Digest, RecordError> {
        let start = |d: Date| {
            d.to_zoned_datetime(tz.clone())
                .map(|z| z.timestamp().as_millisecond())
                .map_err(|e| RecordError::Invalid(format!("date {d}: {e}")))
        };
        let next = date
            .tomorrow()
            .map_err(|e| RecordError::Invalid(format!("date {date}: {e}")))?;
        let tickets = self.digest_tickets(start(date)?, start(next)?)?;
        Ok(digest::build(date, &tickets, categories))
    }

    /// Tickets filed in `[from_ms, to_ms)`, oldest first, as the digest needs them.
    pub fn digest_tickets(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<DigestTicket>, RecordError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT number, subject, category, region, urgency, status, supervised, instruction
             FROM tickets WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at, id",
        )?;
        let raw = stmt.query_map([from_ms, to_ms], |r| {
            Ok((
                DigestTicket {
                    number: r.get(0)?,
                    subject: r.get(1)?,
                    category: r.get(2)?,
                    region: r.get(3)?,
                    urgency: crate::tickets::Urgency::Normal,
                    status: crate::tickets::Status::Received,
                    supervised: r.get(6)?,
                    instruction: r.get(7)?,
                },
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in raw {
            let (mut t, urgency, status) = row?;
            t.urgency = urgency
                .parse()
                .map_err(|_| RecordError::bad_value("urgency", urgency))?;
            t.status = status
                .parse()
                .map_err(|_| RecordError::bad_value("status", status))?;
            out.push(t);
        }
        Ok(out)
    }
}
