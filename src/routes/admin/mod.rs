pub mod buildings;
pub mod communities;
pub mod staff;

use crate::auth::caller::Caller;
use crate::store::Audit;

/// The audit record of a staff action in this request.
pub fn audit_of(caller: &Caller, req: &actix_web::HttpRequest, reason: Option<String>) -> Audit {
    use actix_web::HttpMessage;
    Audit {
        actor: Some(caller.account_id),
        actor_kind: if caller.role.is_staff() {
            "staff"
        } else {
            "resident"
        },
        reason,
        request_id: req
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|r| r.to_string()),
        at: chrono::Utc::now(),
    }
}
