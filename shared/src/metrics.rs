//! Request metrics as CloudWatch Embedded Metric Format (EMF): after each request a Lambda function
//! writes one JSON line to stdout, and CloudWatch Logs extracts `Latency` and `ColdStart` from it
//! into the namespace `METRICS_NAMESPACE` with the one dimension `Endpoint`: no PutMetricData call,
//! no agent, no extra latency.
//!
//! `Status`, `RequestId` and `DatabaseFlights` ride along as plain properties, not dimensions or
//! metrics: every distinct set of dimension values, and every metric, is a metric of its own (and
//! billed as one), while properties cost nothing and can still be queried in Logs Insights.
//! `DatabaseFlights` (the request's database round trips, `db::wire`) is there only for requests
//! that reached the database.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

/// One request's data points.
#[derive(Debug, Clone)]
pub struct RequestMetrics<'a> {
    pub namespace: &'a str,
    pub endpoint: &'a str,
    pub request_id: &'a str,
    pub status: u16,
    pub latency: Duration,
    pub cold_start: bool,
    /// The request's database flights (`http::DatabaseFlights`), if it reached the database.
    pub db_flights: Option<u64>,
    /// When the request arrived: the time CloudWatch files the data points under.
    pub timestamp: SystemTime,
}

impl RequestMetrics<'_> {
    /// The EMF document, newline-terminated.
    pub fn line(&self) -> String {
        let millis = self
            .timestamp
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut doc = json!({
            "_aws": {
                "Timestamp": millis,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [["Endpoint"]],
                    "Metrics": [
                        {"Name": "Latency", "Unit": "Milliseconds"},
                        {"Name": "ColdStart", "Unit": "Count"},
                    ],
                }],
            },
            "Endpoint": self.endpoint,
            "Latency": self.latency.as_secs_f64() * 1000.0,
            "ColdStart": u8::from(self.cold_start),
            "Status": self.status,
            "RequestId": self.request_id,
        });
        if let (Some(n), Some(members)) = (self.db_flights, doc.as_object_mut()) {
            members.insert("DatabaseFlights".into(), n.into());
        }
        let mut line = doc.to_string();
        line.push('\n');
        line
    }

    /// Write the line to stdout with one `write_all` while holding the lock, so a log line can never
    /// interleave with it (CloudWatch reads one JSON document per line). Not through `tracing`,
    /// whose JSON formatter would wrap it in its own object. A failed write is ignored: a metric
    /// must never fail the request it describes.
    pub fn emit(&self) {
        let line = self.line();
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// `true` the first time it is called in this process, `false` ever after: the `ColdStart` of a
/// request.
pub fn first_request() -> bool {
    static SEEN: AtomicBool = AtomicBool::new(false);
    !SEEN.swap(true, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn sample(cold_start: bool) -> RequestMetrics<'static> {
        RequestMetrics {
            namespace: "JMSK/test",
            endpoint: "orders_list",
            request_id: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            status: 503,
            latency: Duration::from_micros(12_345),
            cold_start,
            db_flights: None,
            timestamp: UNIX_EPOCH + Duration::from_millis(1_764_590_400_123),
        }
    }

    #[test]
    fn the_line_is_one_emf_document() {
        let line = sample(true).line();
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1, "exactly one line: {line}");
        let doc: Value = serde_json::from_str(&line).unwrap();
        let aws = &doc["_aws"];
        assert_eq!(aws["Timestamp"], 1_764_590_400_123u64);
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        let d = &directives[0];
        assert_eq!(d["Namespace"], "JMSK/test");
        assert_eq!(d["Dimensions"], serde_json::json!([["Endpoint"]]));
        assert_eq!(
            d["Metrics"],
            serde_json::json!([
                {"Name": "Latency", "Unit": "Milliseconds"},
                {"Name": "ColdStart", "Unit": "Count"},
            ])
        );
        // Every dimension and metric named in the directive is a member of the document.
        assert_eq!(doc["Endpoint"], "orders_list");
        assert_eq!(doc["Latency"].as_f64(), Some(12.345));
        assert_eq!(doc["ColdStart"], 1);
        assert_eq!(doc["Status"], 503);
        assert_eq!(doc["RequestId"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
        let mut keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ColdStart",
                "Endpoint",
                "Latency",
                "RequestId",
                "Status",
                "_aws"
            ]
        );
        let warm: Value = serde_json::from_str(&sample(false).line()).unwrap();
        assert_eq!(warm["ColdStart"], 0);
    }

    #[test]
    fn database_flights_are_a_property_when_the_request_reached_the_database() {
        let with = RequestMetrics {
            db_flights: Some(1),
            ..sample(false)
        };
        let doc: Value = serde_json::from_str(&with.line()).unwrap();
        assert_eq!(doc["DatabaseFlights"], 1);
        let metrics = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"].to_string();
        assert!(
            !metrics.contains("DatabaseFlights"),
            "not a metric: {metrics}"
        );
        // And a request that never reached the database has no such member.
        let without: Value = serde_json::from_str(&sample(false).line()).unwrap();
        assert!(without.get("DatabaseFlights").is_none());
    }

    #[test]
    fn text_is_escaped_not_spliced_into_the_json() {
        let m = RequestMetrics {
            request_id: "a\"b\nc",
            ..sample(false)
        };
        let line = m.line();
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        let doc: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(doc["RequestId"], "a\"b\nc");
    }
}
