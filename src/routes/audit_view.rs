//! Audit records as staff read them: when, who (a name, not an account number), what (a label,
//! not an action code) and why.
use crate::domain::audit_labels::{action_label, actor_kind_label};
use crate::domain::ids::AccountId;
use crate::error::ApiResult;
use crate::intake::mask::mask_name;
use crate::state::AppState;
use crate::store::AuditRow;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub audit_id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_account_id: Option<AccountId>,
    /// The staff member's name; a resident's masked name; or who acted (自动归类, 系统).
    pub actor_name: String,
    pub actor_name_en: String,
    pub actor_kind: String,
    /// The action's code (stable; for programs).
    pub action: String,
    pub action_label: String,
    pub action_label_en: String,
    pub entity_type: String,
    pub entity_id: String,
    pub reason: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

/// A list of audit records as sent.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
}

/// Names and labels for audit rows, in their order.
pub async fn audit_views(state: &AppState, rows: Vec<AuditRow>) -> ApiResult<Vec<AuditView>> {
    let mut ids: Vec<AccountId> = rows.iter().filter_map(|r| r.actor_account_id).collect();
    ids.sort();
    ids.dedup();
    let names = state.store.account_names(&ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (kind_zh, kind_en) = actor_kind_label(&r.actor_kind);
            let name = r
                .actor_account_id
                .and_then(|id| names.iter().find(|(a, _)| *a == id))
                .map(|(_, n)| {
                    if r.actor_kind == "resident" {
                        mask_name(n)
                    } else {
                        n.clone()
                    }
                });
            let (action_zh, action_en) = action_label(&r.action);
            AuditView {
                audit_id: r.audit_id,
                at: r.at,
                actor_account_id: r.actor_account_id,
                actor_name_en: name.clone().unwrap_or_else(|| kind_en.to_string()),
                actor_name: name.unwrap_or_else(|| kind_zh.to_string()),
                actor_kind: r.actor_kind,
                action: r.action,
                action_label: action_zh.into(),
                action_label_en: action_en.into(),
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                reason: r.reason,
                before_json: r.before_json,
                after_json: r.after_json,
            }
        })
        .collect())
}
