//! Order and shipment vocabulary: statuses, order numbers and the `due_date` formats the app sends.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::domain::TenantId;
use crate::error::{ApiError, ApiResult};

/// Order statuses (reference rules §8): any status may follow any other.
pub const ORDER_STATUSES: &[&str] = &[
    "PENDING",
    "IN_PROGRESS",
    "COMPLETED",
    "SHIPPED",
    "CANCELLED",
];

/// Shipment statuses (reference rules §9).
pub const SHIPMENT_STATUSES: &[&str] = &[
    "PREPARING",
    "SHIPPED",
    "IN_TRANSIT",
    "DELIVERED",
    "RETURNED",
];

/// One of `allowed`, exactly as written (upper case), or a 422 naming `field` and the choices.
fn one_of(field: &str, raw: &str, allowed: &'static [&'static str]) -> ApiResult<&'static str> {
    allowed
        .iter()
        .copied()
        .find(|s| *s == raw)
        .ok_or_else(|| ApiError::field(field, format!("must be one of {}", allowed.join(", "))))
}

pub fn order_status(raw: &str) -> ApiResult<&'static str> {
    one_of("status", raw, ORDER_STATUSES)
}

pub fn shipment_status(raw: &str) -> ApiResult<&'static str> {
    one_of("status", raw, SHIPMENT_STATUSES)
}

/// `ORD-{tenant_id}-{n:06}` (decisions §3); `n` comes from the tenant's order counter.
pub fn order_number(tenant: TenantId, n: i64) -> String {
    format!("{}{n:06}", order_number_prefix(tenant))
}

/// What precedes the number in `order_number` (`repo::orders::insert_numbered` pads the number
/// itself, in the statement that draws it).
pub fn order_number_prefix(tenant: TenantId) -> String {
    format!("ORD-{tenant}-")
}

/// A `due_date` as the app sends it: RFC 3339, the HTML `datetime-local` value `YYYY-MM-DDTHH:mm`
/// (or with seconds), or a date `YYYY-MM-DD`. Values without an offset are UTC (the answers are
/// UTC, so what the app echoes back from a GET keeps its meaning). Blank means "no due date".
pub fn due_date(field: &str, raw: &str) -> ApiResult<Option<DateTime<Utc>>> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(d.with_timezone(&Utc)));
    }
    for format in [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(Some(d.and_utc()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).map(|d| d.and_utc()));
    }
    Err(ApiError::field(
        field,
        "must be a date and time (YYYY-MM-DDTHH:mm, RFC 3339 or YYYY-MM-DD)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Option<String> {
        due_date("due_date", raw).unwrap().map(|d| d.to_rfc3339())
    }

    #[test]
    fn due_dates_in_every_accepted_form() {
        assert_eq!(
            parsed("2026-12-24T15:30").as_deref(),
            Some("2026-12-24T15:30:00+00:00")
        );
        assert_eq!(
            parsed("2026-12-24T15:30:05").as_deref(),
            Some("2026-12-24T15:30:05+00:00")
        );
        assert_eq!(
            parsed("2026-12-24T15:30:00Z").as_deref(),
            Some("2026-12-24T15:30:00+00:00")
        );
        assert_eq!(
            parsed("2026-12-24T15:30:00+02:00").as_deref(),
            Some("2026-12-24T13:30:00+00:00")
        );
        assert_eq!(
            parsed("2026-12-24").as_deref(),
            Some("2026-12-24T00:00:00+00:00")
        );
        assert_eq!(parsed(" "), None);
        let e = due_date("due_date", "24.12.2026").unwrap_err();
        assert_eq!(
            e.detail(),
            "due_date: must be a date and time (YYYY-MM-DDTHH:mm, RFC 3339 or YYYY-MM-DD)"
        );
    }

    #[test]
    fn statuses_and_numbers() {
        assert_eq!(order_status("IN_PROGRESS").unwrap(), "IN_PROGRESS");
        assert_eq!(
            order_status("pending").unwrap_err().detail(),
            "status: must be one of PENDING, IN_PROGRESS, COMPLETED, SHIPPED, CANCELLED"
        );
        assert_eq!(shipment_status("DELIVERED").unwrap(), "DELIVERED");
        assert_eq!(order_number(TenantId::from_db(7), 42), "ORD-7-000042");
        assert_eq!(
            order_number(TenantId::from_db(7), 1_234_567),
            "ORD-7-1234567"
        );
    }
}
