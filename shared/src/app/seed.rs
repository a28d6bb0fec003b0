//! The demo tenant for local development (`cargo run -p local -- seed`, also run by `serve`): tenant
//! "Demo Jewelers" with an admin, a manager and a staff user, a few customer companies with contacts
//! and addresses, two production departments, some supplies, and three orders (one with a
//! shipment). Idempotent: nothing happens when the user `admin` exists. Never reachable through the
//! API.

use std::fmt;

use crate::app::signup::{self, NewAccount, NewTenant};
use crate::app::{orders, shipments};
use crate::auth::password;
use crate::context::Ctx;
use crate::domain::permissions::{ADMIN, MANAGER, STAFF};
use crate::domain::tenant::Subdomain;
use crate::domain::{Email, NonBlank, Password, Username};
use crate::error::{ApiError, ApiResult, OnConstraint};
use crate::repo::seed::{self as sql, AddressRow, SupplyRow};
use crate::repo::users::{self, NewUser};

pub const DEMO_TENANT: &str = "Demo Jewelers";
pub const DEMO_SUBDOMAIN: &str = "demo";

/// (username, password, full name, role) of the demo logins.
pub const DEMO_USERS: &[(&str, &str, &str, &str)] = &[
    ("admin", "admin123", "Demo Admin", ADMIN),
    ("manager", "manager123", "Demo Manager", MANAGER),
    ("staff", "staff1234", "Demo Staff", STAFF),
];

struct DemoCompany {
    name: &'static str,
    address: &'static str,
    phone: &'static str,
    email: &'static str,
    /// (name, email, phone)
    contacts: &'static [(&'static str, &'static str, &'static str)],
    /// (street, city, state, zip, is_default)
    addresses: &'static [(&'static str, &'static str, &'static str, &'static str, bool)],
}

const COMPANIES: &[DemoCompany] = &[
    DemoCompany {
        name: "Golden Gate Jewelry Co.",
        address: "100 Market St, San Francisco, CA 94105",
        phone: "+1 415 555 0100",
        email: "orders@goldengate.example",
        contacts: &[
            ("Alice Chen", "alice@goldengate.example", "+1 415 555 0101"),
            ("Brian Lopez", "brian@goldengate.example", "+1 415 555 0102"),
        ],
        addresses: &[
            ("100 Market St", "San Francisco", "CA", "94105", true),
            ("2500 Mission St", "San Francisco", "CA", "94110", false),
        ],
    },
    DemoCompany {
        name: "Diamond District Traders",
        address: "47 W 47th St, New York, NY 10036",
        phone: "+1 212 555 0200",
        email: "buying@ddtraders.example",
        contacts: &[("David Stern", "david@ddtraders.example", "+1 212 555 0201")],
        addresses: &[("47 W 47th St", "New York", "NY", "10036", true)],
    },
    DemoCompany {
        name: "Sunset Bridal Boutique",
        address: "8800 Sunset Blvd, Los Angeles, CA 90069",
        phone: "+1 310 555 0300",
        email: "hello@sunsetbridal.example",
        contacts: &[
            (
                "Maria Garcia",
                "maria@sunsetbridal.example",
                "+1 310 555 0301",
            ),
            ("Sam Patel", "sam@sunsetbridal.example", "+1 310 555 0302"),
        ],
        addresses: &[("8800 Sunset Blvd", "Los Angeles", "CA", "90069", true)],
    },
];

const DEPARTMENTS: &[&str] = &["Casting", "Polishing"];

const SUPPLIES: &[SupplyRow<'static>] = &[
    SupplyRow {
        name: "Round brilliant diamond 1.5 mm",
        supply_type: "GEMSTONE",
        quantity: "250",
        unit: "pcs",
        cost_per_unit: "12.50",
        supplier: "Antwerp Stones Ltd.",
    },
    SupplyRow {
        name: "Polishing compound (rouge)",
        supply_type: "TOOL",
        quantity: "12",
        unit: "bars",
        cost_per_unit: "8.75",
        supplier: "Bench Supply Co.",
    },
    SupplyRow {
        name: "Ring box, velvet",
        supply_type: "PACKAGING",
        quantity: "100",
        unit: "pcs",
        cost_per_unit: "2.40",
        supplier: "PackRight",
    },
];

/// A demo order of the first contact of the company `company`: (status, due date, line items of
/// (description, metal code, quantity, price, labour)), and a shipment's (tracking number, carrier,
/// metal code, gross grams) to the company's address, if any.
struct DemoOrder {
    company: &'static str,
    status: &'static str,
    due_date: &'static str,
    items: &'static [(
        &'static str,
        Option<&'static str>,
        i64,
        &'static str,
        &'static str,
    )],
    shipment: Option<(&'static str, &'static str, &'static str, &'static str)>,
}

const ORDERS: &[DemoOrder] = &[
    DemoOrder {
        company: "Golden Gate Jewelry Co.",
        status: "IN_PROGRESS",
        due_date: "2027-02-14T12:00",
        items: &[
            (
                "Engagement ring, 1 ct solitaire",
                Some("GOLD_18K"),
                1,
                "2400",
                "350",
            ),
            ("Matching wedding band", Some("GOLD_18K"), 2, "900", "120"),
        ],
        shipment: None,
    },
    DemoOrder {
        company: "Diamond District Traders",
        status: "COMPLETED",
        due_date: "2026-12-20T17:00",
        items: &[("Tennis bracelet", Some("PLATINUM"), 1, "5200", "600")],
        shipment: Some(("1Z999AA10123456784", "UPS", "PLATINUM", "24.4")),
    },
    DemoOrder {
        company: "Sunset Bridal Boutique",
        status: "PENDING",
        due_date: "2027-03-01T09:30",
        items: &[("Pearl drop earrings", Some("SILVER_925"), 4, "180", "40")],
        shipment: None,
    },
];

/// What a seed run did, for the command to print.
#[derive(Debug, Clone)]
// One value per seed run: boxing the large variant would save nothing.
#[allow(clippy::large_enum_variant)]
pub enum SeedReport {
    /// The user `admin` already exists: nothing was touched.
    AlreadySeeded,
    Created {
        tenant_id: i64,
        tenant: String,
        subdomain: String,
        /// (username, password, role)
        users: Vec<(String, String, String)>,
        companies: Vec<String>,
        contacts: usize,
        addresses: usize,
        departments: Vec<String>,
        supplies: Vec<String>,
        /// The demo orders' numbers.
        orders: Vec<String>,
        shipments: usize,
        ledger_entries: usize,
    },
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeedReport::AlreadySeeded => write!(
                f,
                "The demo tenant exists (user 'admin' is present); nothing was seeded."
            ),
            SeedReport::Created {
                tenant_id,
                tenant,
                subdomain,
                users,
                companies,
                contacts,
                addresses,
                departments,
                supplies,
                orders,
                shipments,
                ledger_entries,
            } => {
                writeln!(
                    f,
                    "Seeded tenant '{tenant}' (id {tenant_id}, subdomain '{subdomain}'):"
                )?;
                for (u, p, r) in users {
                    writeln!(f, "  user {u:<8} password {p:<11} role {r}")?;
                }
                writeln!(
                    f,
                    "  {} companies: {}",
                    companies.len(),
                    companies.join(", ")
                )?;
                writeln!(f, "  {contacts} contacts, {addresses} addresses")?;
                writeln!(
                    f,
                    "  departments added: {} (plus the default Inventory)",
                    departments.join(", ")
                )?;
                writeln!(f, "  {} supplies: {}", supplies.len(), supplies.join(", "))?;
                writeln!(
                    f,
                    "  {} orders: {}; {shipments} shipment(s)",
                    orders.len(),
                    orders.join(", ")
                )?;
                write!(
                    f,
                    "  two safe purchases, a customer deposit and {ledger_entries} ledger entries"
                )
            }
        }
    }
}

/// Create the demo tenant and its sample data in one transaction, unless user `admin` exists.
pub async fn seed_demo(ctx: &Ctx) -> ApiResult<SeedReport> {
    let mut conn = ctx.conn().await?;
    let result = seed_on(ctx, &mut conn).await;
    conn.finish(&result);
    result
}

async fn seed_on(ctx: &Ctx, conn: &mut crate::db::Conn) -> ApiResult<SeedReport> {
    let mut tx = conn.begin_system().await?;
    // The trail names where the demo's rows came from (no user: the system made them).
    tx.identify("seed", "local_seed");
    if sql::username_exists(&tx, DEMO_USERS[0].0).await? {
        return Ok(SeedReport::AlreadySeeded);
    }
    let mut users_out = Vec::new();
    let (admin_name, admin_pw, admin_full, admin_role) = DEMO_USERS[0];
    let admin = signup::sign_up(
        ctx,
        &mut tx,
        NewTenant {
            name: NonBlank::parse("tenant_name", DEMO_TENANT, 255)?,
            subdomain: Some(Subdomain::parse(DEMO_SUBDOMAIN)?),
        },
        NewAccount {
            username: Username::parse(admin_name)?,
            password: Password::parse(admin_pw)?,
            full_name: NonBlank::parse("full_name", admin_full, 255)?,
            email: Some(Email::parse("email", "admin@demo.example")?),
        },
    )
    .await?;
    users_out.push((
        admin_name.to_string(),
        admin_pw.to_string(),
        admin_role.to_string(),
    ));
    let tenant_id = admin.tenant_id;
    // sign_up already scoped the transaction to the new tenant; say so explicitly for the inserts below.
    tx.enter_tenant(tenant_id).await?;

    for &(username, pw, full_name, role) in &DEMO_USERS[1..] {
        let role_id = users::role_by_name(&tx, role)
            .await?
            .ok_or_else(|| ApiError::bug(format!("system role {role} missing")))?;
        let hashed = password::hash(&Password::parse(pw)?, ctx.config().bcrypt_cost).await?;
        let email = format!("{username}@demo.example");
        users::insert(
            &tx,
            &NewUser {
                username,
                email: Some(&email),
                full_name,
                hashed_password: &hashed,
                role_id,
            },
        )
        .await
        .on_constraint(signup::USERNAME_UNIQUE, signup::username_taken)?;
        users_out.push((username.to_string(), pw.to_string(), role.to_string()));
    }

    let (mut contacts, mut addresses) = (0, 0);
    // company name → (its first contact, its default address as one line)
    let mut first_contacts: Vec<(&str, i64, String)> = Vec::new();
    for c in COMPANIES {
        let id = sql::insert_company(&tx, c.name, c.address, c.phone, c.email).await?;
        for (n, &(name, email, phone)) in c.contacts.iter().enumerate() {
            let contact = sql::insert_contact(&tx, id, name, email, phone).await?;
            if n == 0 {
                first_contacts.push((c.name, contact, c.address.to_string()));
            }
            contacts += 1;
        }
        for &(street_address, city, state, zip_code, is_default) in c.addresses {
            sql::insert_address(
                &tx,
                id,
                &AddressRow {
                    street_address,
                    city,
                    state,
                    zip_code,
                    country: "USA",
                    is_default,
                },
            )
            .await?;
            addresses += 1;
        }
    }
    for d in DEPARTMENTS {
        sql::insert_department(&tx, d).await?;
    }
    for s in SUPPLIES {
        sql::insert_supply(&tx, s).await?;
    }
    let (orders, shipments) = seed_orders(&tx, &first_contacts).await?;
    // Metal and the ledger are booked as the admin, by the same use cases as the endpoints.
    tx.act_as(tenant_id, admin.id).await?;
    let ledger_entries = seed_metal_and_ledger(&tx).await?;
    tx.commit().await?;

    Ok(SeedReport::Created {
        tenant_id: tenant_id.get(),
        tenant: DEMO_TENANT.to_string(),
        subdomain: DEMO_SUBDOMAIN.to_string(),
        users: users_out,
        companies: COMPANIES.iter().map(|c| c.name.to_string()).collect(),
        contacts,
        addresses,
        departments: DEPARTMENTS.iter().map(|d| d.to_string()).collect(),
        supplies: SUPPLIES.iter().map(|s| s.name.to_string()).collect(),
        orders,
        shipments,
        ledger_entries,
    })
}

/// The demo orders, made by the same use cases as `POST /orders/` and `POST /shipments/`: their
/// numbers come from the tenant's counter. Returns the order numbers and the shipments made.
async fn seed_orders(
    tx: &crate::db::Tx<'_>,
    first_contacts: &[(&str, i64, String)],
) -> ApiResult<(Vec<String>, usize)> {
    let metals = crate::app::metals::list(tx, false).await?;
    let metal = |code: &str| {
        metals
            .iter()
            .find(|m| m.code == code)
            .map(|m| m.id.get())
            .ok_or_else(|| ApiError::bug(format!("default metal {code} missing")))
    };
    let amount = |raw: &str| {
        raw.parse::<crate::domain::amount::Money>()
            .map_err(|e| ApiError::bug(format!("demo amount {raw}: {e}")))
    };
    let (mut numbers, mut shipments) = (Vec::new(), 0);
    for o in ORDERS {
        let (_, contact, address) = first_contacts
            .iter()
            .find(|(company, _, _)| *company == o.company)
            .ok_or_else(|| ApiError::bug(format!("demo company {} missing", o.company)))?;
        let mut items = Vec::new();
        for &(description, code, quantity, price, labor) in o.items {
            items.push(orders::LineItemInput {
                product_description: description.to_string(),
                metal_id: code.map(metal).transpose()?,
                quantity: Some(quantity),
                price: Some(amount(price)?),
                labor_cost: Some(amount(labor)?),
                ..Default::default()
            });
        }
        let new = orders::NewOrder::parse(*contact, Some(o.status), Some(o.due_date), items, None)?;
        let order = orders::create(tx, new).await?;
        if let Some((tracking, carrier, code, weight)) = o.shipment {
            let weight = weight
                .parse()
                .map_err(|e| ApiError::bug(format!("demo weight {weight}: {e}")))?;
            let shipment = shipments::NewShipment::parse(
                order.order.id.get(),
                Some(tracking),
                Some(carrier),
                address,
                Some(amount("35")?),
                Some("Insured, signature required"),
                Some(metal(code)?),
                Some(weight),
            )?;
            shipments::create(tx, shipment).await?;
            shipments += 1;
        }
        numbers.push(order.order.order_number);
    }
    Ok((numbers, shipments))
}

/// A demo ledger entry: (days ago, department, order index in `ORDERS`, metal code, direction,
/// pieces, gross grams).
type DemoEntry = (
    i64,
    &'static str,
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The first order's 18K band through Casting and Polishing (one piece still being polished, two
/// finished into Inventory), and the platinum bracelet's whole route to the shipment that carries
/// its 24.4 g: enough for the ledger page, the department balances, the casting consumption on the
/// customer's balance and the metal reports to show something, with every gram accounted for.
const LEDGER: &[DemoEntry] = &[
    (12, "Casting", 0, "GOLD_18K", "IN", "3", "30"),
    (11, "Casting", 0, "GOLD_18K", "OUT", "3", "29.4"),
    (11, "Polishing", 0, "GOLD_18K", "IN", "3", "29.4"),
    (9, "Polishing", 0, "GOLD_18K", "OUT", "2", "19.5"),
    (9, "Inventory", 0, "GOLD_18K", "IN", "2", "19.5"),
    (20, "Casting", 1, "PLATINUM", "IN", "1", "25"),
    (19, "Casting", 1, "PLATINUM", "OUT", "1", "24.6"),
    (19, "Polishing", 1, "PLATINUM", "IN", "1", "24.6"),
    (17, "Polishing", 1, "PLATINUM", "OUT", "1", "24.4"),
];

/// 200 g of 18K bought into the safe at 58.50 a gram and 50 g of platinum at 31.20, 100 g of 18K
/// deposited by the first order's company, and the ledger entries above; how many entries.
async fn seed_metal_and_ledger(tx: &crate::db::Tx<'_>) -> ApiResult<usize> {
    use crate::app::{departments, ledger, metal_accounting};
    use crate::domain::metal_accounting::SupplyType;
    let bug = |what: String| ApiError::bug(format!("demo {what}"));
    let metals = crate::app::metals::list(tx, false).await?;
    let metal = |code: &str| {
        metals
            .iter()
            .find(|m| m.code == code)
            .map(|m| m.id)
            .ok_or_else(|| bug(format!("metal {code} missing")))
    };
    let grams = |raw: &str| raw.parse().map_err(|e| bug(format!("grams {raw}: {e}")));
    let orders = orders::list(tx, crate::domain::Page::default()).await?;
    // Newest first: the demo's first order is the last in the list.
    let order = |i: usize| {
        orders
            .iter()
            .rev()
            .nth(i)
            .ok_or_else(|| bug(format!("order {i} missing")))
    };
    for (code, quantity, cost) in [("GOLD_18K", "200", "58.5"), ("PLATINUM", "50", "31.2")] {
        metal_accounting::purchase(
            tx,
            metal_accounting::Purchase {
                supply_type: SupplyType::FineMetal,
                metal: Some(metal(code)?),
                grams: grams(quantity)?,
                cost_per_gram: cost.parse().map_err(|e| bug(format!("cost: {e}")))?,
                notes: Some("Opening stock".into()),
            },
        )
        .await?;
    }
    let first = order(0)?;
    let deposit = metal_accounting::DepositRequest::parse(
        Some(metal("GOLD_18K")?.get()),
        None,
        Some(grams("100")?),
        Some("Customer's scrap gold for the bridal set"),
    )?;
    metal_accounting::deposit(tx, first.order.company_id, &deposit).await?;
    let depts = departments::list(tx, crate::domain::Page::default()).await?;
    let department = |name: &str| {
        depts
            .iter()
            .find(|d| d.department.name == name)
            .map(|d| d.department.id.get())
            .ok_or_else(|| bug(format!("department {name} missing")))
    };
    let today = chrono::Utc::now().date_naive();
    for &(days_ago, dept, i, code, direction, pieces, weight) in LEDGER {
        let date = (today - chrono::Duration::days(days_ago)).to_string();
        let entry = ledger::NewEntry::parse(
            Some(&date),
            department(dept)?,
            order(i)?.order.id.get(),
            metal(code)?.get(),
            direction,
            pieces
                .parse()
                .map_err(|e| bug(format!("pieces {pieces}: {e}")))?,
            grams(weight)?,
            None,
        )?;
        ledger::create(tx, entry).await?;
    }
    Ok(LEDGER.len())
}
