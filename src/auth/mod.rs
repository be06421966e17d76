pub mod caller;
pub mod identity;
pub mod jwt;
pub mod password;
pub mod session_cache;
pub mod sms;
pub mod tokens;
pub mod wechat;
