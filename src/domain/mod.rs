pub mod audit_labels;
pub mod code;
pub mod ids;
pub mod role;
pub mod text;
