//! The permission catalogue and the three system roles every tenant is provisioned with.
//!
//! The catalogue is also seeded by the migrations (`0001_schema`, `0003_metal_loss`, `0010_audit_idempotency`); a database test
//! checks the two agree.
//! System role names stay lower-case `admin`, `manager`, `staff`: the React app compares role names.

pub const COMPANIES_READ: &str = "companies:read";
pub const COMPANIES_WRITE: &str = "companies:write";
pub const CONTACTS_READ: &str = "contacts:read";
pub const CONTACTS_WRITE: &str = "contacts:write";
pub const ORDERS_READ: &str = "orders:read";
pub const ORDERS_WRITE: &str = "orders:write";
pub const METALS_READ: &str = "metals:read";
pub const METALS_WRITE: &str = "metals:write";
pub const LOOKUP_VALUES_READ: &str = "lookup_values:read";
pub const LOOKUP_VALUES_WRITE: &str = "lookup_values:write";
pub const DEPARTMENTS_READ: &str = "departments:read";
pub const DEPARTMENTS_WRITE: &str = "departments:write";
pub const LEDGER_READ: &str = "ledger:read";
pub const LEDGER_WRITE: &str = "ledger:write";
pub const SHIPMENTS_READ: &str = "shipments:read";
pub const SHIPMENTS_WRITE: &str = "shipments:write";
pub const SUPPLIES_READ: &str = "supplies:read";
pub const SUPPLIES_WRITE: &str = "supplies:write";
pub const SAFE_READ: &str = "safe:read";
pub const SAFE_WRITE: &str = "safe:write";
pub const REPORTS_READ: &str = "reports:read";
pub const USERS_MANAGE: &str = "users:manage";
pub const ROLES_MANAGE: &str = "roles:manage";
pub const TENANT_MANAGE: &str = "tenant:manage";
pub const AUDIT_READ: &str = "audit:read";

pub const CATALOGUE: &[&str] = &[
    COMPANIES_READ,
    COMPANIES_WRITE,
    CONTACTS_READ,
    CONTACTS_WRITE,
    ORDERS_READ,
    ORDERS_WRITE,
    METALS_READ,
    METALS_WRITE,
    LOOKUP_VALUES_READ,
    LOOKUP_VALUES_WRITE,
    DEPARTMENTS_READ,
    DEPARTMENTS_WRITE,
    LEDGER_READ,
    LEDGER_WRITE,
    SHIPMENTS_READ,
    SHIPMENTS_WRITE,
    SUPPLIES_READ,
    SUPPLIES_WRITE,
    SAFE_READ,
    SAFE_WRITE,
    REPORTS_READ,
    USERS_MANAGE,
    ROLES_MANAGE,
    TENANT_MANAGE,
    AUDIT_READ,
];

pub const ADMIN: &str = "admin";
pub const MANAGER: &str = "manager";
pub const STAFF: &str = "staff";

/// Administration of people and the tenant itself is the admin's alone, and so is the audit trail
/// of what everyone did.
const ADMIN_ONLY: &[&str] = &[USERS_MANAGE, ROLES_MANAGE, TENANT_MANAGE, AUDIT_READ];
/// What the old service reserved for managers and admins (the metal catalogue and metal custody),
/// and the metal loss report, which shows the costs.
const MANAGER_ONLY: &[&str] = &[METALS_WRITE, SAFE_WRITE, REPORTS_READ];

pub struct SystemRole {
    pub name: &'static str,
    pub description: &'static str,
}

pub const SYSTEM_ROLES: &[SystemRole] = &[
    SystemRole {
        name: ADMIN,
        description: "Full access, including users, roles and tenant settings",
    },
    SystemRole {
        name: MANAGER,
        description: "Everything except users, roles and tenant settings",
    },
    SystemRole {
        name: STAFF,
        description: "Day-to-day work: everything except metals, the safe, reports and administration",
    },
];

/// The permissions a system role is provisioned with.
pub fn system_role_permissions(role: &str) -> Vec<&'static str> {
    CATALOGUE
        .iter()
        .copied()
        .filter(|p| match role {
            ADMIN => true,
            MANAGER => !ADMIN_ONLY.contains(p),
            STAFF => !ADMIN_ONLY.contains(p) && !MANAGER_ONLY.contains(p),
            _ => false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_names_are_unique_resource_action_pairs() {
        let mut seen = std::collections::HashSet::new();
        for p in CATALOGUE {
            assert!(seen.insert(*p), "duplicate {p}");
            let (r, a) = p.split_once(':').unwrap();
            assert!(!r.is_empty() && !a.is_empty());
        }
    }

    #[test]
    fn role_matrix_matches_the_decisions() {
        let admin = system_role_permissions(ADMIN);
        let manager = system_role_permissions(MANAGER);
        let staff = system_role_permissions(STAFF);
        assert_eq!(admin.len(), CATALOGUE.len());
        assert!(manager.contains(&METALS_WRITE) && manager.contains(&SAFE_WRITE));
        assert!(!manager.contains(&USERS_MANAGE) && !manager.contains(&ROLES_MANAGE));
        assert!(!staff.contains(&METALS_WRITE) && !staff.contains(&SAFE_WRITE));
        assert!(
            staff.contains(&ORDERS_WRITE)
                && staff.contains(&METALS_READ)
                && staff.contains(&LEDGER_WRITE)
        );
        assert!(system_role_permissions("nobody").is_empty());
    }
}
