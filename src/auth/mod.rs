pub mod caller;
pub mod jwt;
pub mod password;
pub mod tokens;
pub mod wechat;
