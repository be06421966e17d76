pub mod dev_login;
pub mod login;
pub mod logout;
pub mod refresh;
pub mod sms;
pub mod tokens;
pub mod wechat;
