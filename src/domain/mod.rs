pub mod audit_labels;
pub mod ids;
pub mod role;
pub mod text;
