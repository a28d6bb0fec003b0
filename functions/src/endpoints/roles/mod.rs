//! `/api/v1/roles/*`: the tenant's roles and the global permission catalogue. Reading needs only a
//! valid token; creating, changing and deleting roles needs `roles:manage`.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod permissions;
pub mod update;

use shared::ApiResult;
use shared::app::roles::unknown_permission;
use shared::domain::PermissionId;

/// Body `permission_ids` as typed ids; a non-positive id is as unknown as a missing one (422).
fn permission_ids(raw: &[i64]) -> ApiResult<Vec<PermissionId>> {
    raw.iter()
        .map(|&id| PermissionId::new(id).ok_or_else(|| unknown_permission(id)))
        .collect()
}
