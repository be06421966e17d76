pub mod caller;
pub mod join_code;
pub mod jwt;
pub mod password;
pub mod session_cache;
pub mod sms;
pub mod tokens;
pub mod wechat;
