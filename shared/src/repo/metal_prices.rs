//! The global metal price cache (one row per price category; prices are not tenant data, so this
//! table has no tenant and no row-level security).

use chrono::{DateTime, Utc};

use super::row::{self, from_row};
use crate::db::Tx;
use crate::domain::amount::UnitPrice;
use crate::error::DbError;

#[derive(Debug, Clone, PartialEq)]
pub struct CachedPrice {
    pub price_per_gram: UnitPrice,
    pub currency: String,
    pub fetched_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

from_row!(CachedPrice {
    price_per_gram,
    currency,
    fetched_at,
    expires_at,
});

pub async fn get(tx: &Tx<'_>, category: &str) -> Result<Option<CachedPrice>, DbError> {
    row::optional(
        tx.query_opt(
            "select price_per_gram, currency, fetched_at, expires_at
               from metal_prices where metal_category = $1",
            &[&category],
        )
        .await?,
    )
}

/// Insert or replace the category's price.
pub async fn upsert(tx: &Tx<'_>, category: &str, p: &CachedPrice) -> Result<(), DbError> {
    tx.execute(
        "insert into metal_prices (metal_category, price_per_gram, currency, fetched_at, expires_at)
         values ($1, $2, $3, $4, $5)
         on conflict (metal_category) do update
            set price_per_gram = excluded.price_per_gram, currency = excluded.currency,
                fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
        &[
            &category,
            &p.price_per_gram,
            &p.currency,
            &p.fetched_at,
            &p.expires_at,
        ],
    )
    .await?;
    Ok(())
}
