//! Market price of a metal code (reference rules §10, with the old service's bugs fixed as
//! decisions §3 says): a global cache in `metal_prices`, refreshed from the configured provider when
//! expired; on provider failure the last cached price is served as `stale`, or nothing.
//!
//! The provider is called with `GET {METAL_PRICE_API_URL}/price/{gold|silver|platinum}` and
//! `Authorization: Bearer {METAL_PRICE_API_KEY}` (only when a key is configured), 5 s timeout; only
//! a 200 with JSON `{"price_per_gram": <number>}` (optionally `"currency": "USD"`) is accepted.

use std::sync::OnceLock;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;

use crate::config::Config;
use crate::db::Tx;
use crate::domain::amount::{Number, UnitPrice};
use crate::domain::metal::PriceCategory;
use crate::error::ApiResult;
use crate::repo::metal_prices::{self as repo, CachedPrice};

pub const PROVIDER_TIMEOUT: StdDuration = StdDuration::from_secs(5);
/// A price answer is a few dozen bytes; anything much larger is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;
const DEFAULT_CURRENCY: &str = "USD";

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MetalPrice {
    pub metal_code: String,
    pub price_per_gram: UnitPrice,
    pub currency: String,
    pub fetched_at: DateTime<Utc>,
    /// Served from the cache rather than fetched for this request.
    pub cached: bool,
    /// The provider failed and this is the last known (expired) price.
    pub stale: bool,
}

/// The price for `code`, or `None` when the code has no market price (not gold, silver or platinum)
/// or no price is known at all.
pub async fn lookup(config: &Config, tx: &Tx<'_>, code: &str) -> ApiResult<Option<MetalPrice>> {
    let Some(category) = PriceCategory::of_code(code) else {
        return Ok(None);
    };
    let code = code.trim().to_uppercase();
    let cached = repo::get(tx, category.as_str()).await?;
    if let Some(c) = &cached
        && is_fresh(c, Utc::now())
    {
        return Ok(Some(answer(code, c, true, false)));
    }
    match fetch(config, category).await {
        Ok(quote) => {
            // Microseconds, as the database keeps them: this answer and later cached ones agree.
            let now = Utc::now().trunc_subsecs(6);
            let fresh = CachedPrice {
                price_per_gram: quote.price_per_gram,
                currency: quote.currency,
                fetched_at: now,
                expires_at: now + Duration::minutes(config.metal_price_cache_ttl_minutes),
            };
            // A failed cache write costs only a refetch next time; the price is still good.
            if let Err(e) = repo::upsert(tx, category.as_str(), &fresh).await {
                tracing::warn!(error = %e, category = category.as_str(), "caching the metal price failed");
            }
            Ok(Some(answer(code, &fresh, false, false)))
        }
        Err(e) => {
            tracing::warn!(error = %e, category = category.as_str(), "metal price provider failed");
            Ok(cached.map(|c| answer(code, &c, true, true)))
        }
    }
}

/// A cached price is served until (and including) its expiry instant.
pub fn is_fresh(c: &CachedPrice, now: DateTime<Utc>) -> bool {
    now <= c.expires_at
}

fn answer(metal_code: String, c: &CachedPrice, cached: bool, stale: bool) -> MetalPrice {
    MetalPrice {
        metal_code,
        price_per_gram: c.price_per_gram,
        currency: c.currency.clone(),
        fetched_at: c.fetched_at,
        cached,
        stale,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    pub price_per_gram: UnitPrice,
    pub currency: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("METAL_PRICE_API_URL is not configured")]
    NotConfigured,
    #[error("bad provider URL: {0}")]
    BadUrl(String),
    #[error("HTTP client unavailable: {0}")]
    Client(String),
    #[error("request failed: {0}")]
    Request(String),
    #[error("provider answered HTTP {0}")]
    Status(u16),
    #[error("provider timed out")]
    Timeout,
    #[error("unusable answer: {0}")]
    Body(String),
}

type HttpsClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// One client per process. Connections are not pooled: a miss happens at most once per category
/// and TTL, and a pooled connection would outlive the runtime that made it (tests run one per test).
fn client() -> Result<&'static HttpsClient, FetchError> {
    static CLIENT: OnceLock<Result<HttpsClient, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let https = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
                .map_err(|e| e.to_string())?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(0)
                .build(https))
        })
        .as_ref()
        .map_err(|e| FetchError::Client(e.clone()))
}

/// Ask the provider for the current price of `category`.
pub async fn fetch(config: &Config, category: PriceCategory) -> Result<Quote, FetchError> {
    let base = config
        .metal_price_api_url
        .as_deref()
        .ok_or(FetchError::NotConfigured)?;
    let url = format!(
        "{}/price/{}",
        base.trim_end_matches('/'),
        category.path_segment()
    );
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| FetchError::BadUrl(e.to_string()))?;
    let mut req = hyper::Request::get(uri).header(hyper::header::ACCEPT, "application/json");
    if let Some(key) = &config.metal_price_api_key {
        req = req.header(
            hyper::header::AUTHORIZATION,
            format!("Bearer {}", key.expose()),
        );
    }
    let req = req
        .body(Empty::<Bytes>::new())
        .map_err(|e| FetchError::BadUrl(e.to_string()))?;
    let client = client()?;
    tokio::time::timeout(PROVIDER_TIMEOUT, async {
        let resp = client
            .request(req)
            .await
            .map_err(|e| FetchError::Request(e.to_string()))?;
        if resp.status() != hyper::StatusCode::OK {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        let body = Limited::new(resp.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| FetchError::Body(e.to_string()))?
            .to_bytes();
        parse_quote(&body)
    })
    .await
    .map_err(|_| FetchError::Timeout)?
}

/// `{"price_per_gram": <number ≥ 0>, "currency"?: "<3 letters>"}`. The price is read exactly (no
/// float arithmetic) and rounded half away from zero to 4 places, the cache column's scale.
pub fn parse_quote(body: &[u8]) -> Result<Quote, FetchError> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| FetchError::Body(e.to_string()))?;
    let price = v
        .get("price_per_gram")
        .and_then(|p| serde_json::from_value::<Number>(p.clone()).ok())
        .and_then(|p| UnitPrice::new(p.get()).ok())
        .filter(|p| !p.is_negative())
        .ok_or_else(|| FetchError::Body("no usable price_per_gram".into()))?;
    let currency = v
        .get("currency")
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()))
        .map(str::to_ascii_uppercase)
        .unwrap_or_else(|| DEFAULT_CURRENCY.to_string());
    Ok(Quote {
        price_per_gram: price,
        currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_need_a_finite_non_negative_price() {
        assert_eq!(
            parse_quote(br#"{"price_per_gram": 61.25}"#).unwrap(),
            Quote {
                price_per_gram: "61.25".parse().unwrap(),
                currency: "USD".into()
            }
        );
        assert_eq!(
            parse_quote(br#"{"price_per_gram": 2, "currency": "eur"}"#)
                .unwrap()
                .currency,
            "EUR"
        );
        assert_eq!(
            parse_quote(br#"{"price_per_gram": 2, "currency": "dollars"}"#)
                .unwrap()
                .currency,
            "USD"
        );
        for bad in [
            &br#"{"price_per_gram": "61.25"}"#[..],
            br#"{"price_per_gram": -1}"#,
            br#"{"price": 61.25}"#,
            br#"61.25"#,
            b"not json",
            b"",
        ] {
            assert!(
                parse_quote(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_price_is_fresh_until_its_expiry_instant() {
        let now = Utc::now();
        let c = CachedPrice {
            price_per_gram: "1".parse().unwrap(),
            currency: "USD".into(),
            fetched_at: now,
            expires_at: now,
        };
        assert!(is_fresh(&c, now));
        assert!(!is_fresh(&c, now + Duration::milliseconds(1)));
    }
}
