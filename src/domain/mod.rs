pub mod ids;
pub mod role;
pub mod text;
