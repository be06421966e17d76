use serde::{Deserialize, Serialize};

/// What an account may do. Staff roles are bound to communities; admins to a district or street.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Volunteer,
    Worker,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Volunteer => "volunteer",
            Self::Worker => "worker",
            Self::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resident" => Some(Self::Resident),
            "volunteer" => Some(Self::Volunteer),
            "worker" => Some(Self::Worker),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Resident)
    }
}
