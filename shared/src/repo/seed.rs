//! SQL of the demo seed (`cargo run -p local -- seed`): plain inserts into the current tenant. Only the
//! local tooling calls these; the API never does.

use super::row;
use crate::db::Tx;
use crate::error::DbError;

/// Whether a user with this (globally unique) username exists in any tenant. Goes through the login
/// lookup function because no tenant is known yet.
pub async fn username_exists(tx: &Tx<'_>, username: &str) -> Result<bool, DbError> {
    Ok(tx
        .query_opt("select 1 from auth_user_by_username($1)", &[&username])
        .await?
        .is_some())
}

pub async fn insert_company(
    tx: &Tx<'_>,
    name: &str,
    address: &str,
    phone: &str,
    email: &str,
) -> Result<i64, DbError> {
    let row = tx
        .query_one(
            "insert into companies (name, address, phone, email) values ($1, $2, $3, $4) returning id",
            &[&name, &address, &phone, &email],
        )
        .await?;
    row::get(&row, "id")
}

pub async fn insert_contact(
    tx: &Tx<'_>,
    company_id: i64,
    name: &str,
    email: &str,
    phone: &str,
) -> Result<i64, DbError> {
    let r = tx
        .query_one(
            "insert into contacts (company_id, name, email, phone) values ($1, $2, $3, $4) returning id",
            &[&company_id, &name, &email, &phone],
        )
        .await?;
    row::get(&r, "id")
}

pub struct AddressRow<'a> {
    pub street_address: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub zip_code: &'a str,
    pub country: &'a str,
    pub is_default: bool,
}

pub async fn insert_address(
    tx: &Tx<'_>,
    company_id: i64,
    a: &AddressRow<'_>,
) -> Result<(), DbError> {
    tx.execute(
        "insert into addresses (company_id, street_address, city, state, zip_code, country, is_default)
         values ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &company_id,
            &a.street_address,
            &a.city,
            &a.state,
            &a.zip_code,
            &a.country,
            &a.is_default,
        ],
    )
    .await?;
    Ok(())
}

/// Insert a department unless one with the same name (case-insensitive) exists.
pub async fn insert_department(tx: &Tx<'_>, name: &str) -> Result<(), DbError> {
    tx.execute(
        "insert into departments (name) select $1
          where not exists (select 1 from departments
                             where lower(name) = lower($1) and tenant_id = app_current_tenant())",
        &[&name],
    )
    .await?;
    Ok(())
}

pub struct SupplyRow<'a> {
    pub name: &'a str,
    pub supply_type: &'a str,
    /// Decimal text, stored as `numeric` exactly.
    pub quantity: &'a str,
    pub unit: &'a str,
    pub cost_per_unit: &'a str,
    pub supplier: &'a str,
}

pub async fn insert_supply(tx: &Tx<'_>, s: &SupplyRow<'_>) -> Result<(), DbError> {
    tx.execute(
        "insert into supplies (name, type, quantity, unit, cost_per_unit, supplier)
         values ($1, $2, $3::numeric, $4, $5::numeric, $6)",
        &[
            &s.name,
            &s.supply_type,
            &s.quantity,
            &s.unit,
            &s.cost_per_unit,
            &s.supplier,
        ],
    )
    .await?;
    Ok(())
}
