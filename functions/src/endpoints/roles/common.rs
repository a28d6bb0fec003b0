//! What several role endpoints share.

use shared::ApiResult;
use shared::app::roles::unknown_permission;
use shared::domain::PermissionId;

/// Body `permission_ids` as typed ids; a non-positive id is as unknown as a missing one (422).
pub(super) fn permission_ids(raw: &[i64]) -> ApiResult<Vec<PermissionId>> {
    raw.iter()
        .map(|&id| PermissionId::new(id).ok_or_else(|| unknown_permission(id)))
        .collect()
}
