use serde::{Deserialize, Serialize};

/// What an account may do. Staff roles are bound to communities; admins to a district or street.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Volunteer,
    Worker,
    Admin,
    /// 评审专家: scores the applications of the funding rounds they are assigned to.
    Reviewer,
    /// 督导: visits and advises the projects assigned to them.
    Supervisor,
    /// The lead of a community social organisation: enters and runs its projects.
    OrgLead,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Volunteer => "volunteer",
            Self::Worker => "worker",
            Self::Admin => "admin",
            Self::Reviewer => "reviewer",
            Self::Supervisor => "supervisor",
            Self::OrgLead => "org_lead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resident" => Some(Self::Resident),
            "volunteer" => Some(Self::Volunteer),
            "worker" => Some(Self::Worker),
            "admin" => Some(Self::Admin),
            "reviewer" => Some(Self::Reviewer),
            "supervisor" => Some(Self::Supervisor),
            "org_lead" => Some(Self::OrgLead),
            _ => None,
        }
    }
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Resident)
    }
    /// Serves projects only: no community's hall, only what they are assigned.
    pub fn serves_projects_only(self) -> bool {
        matches!(self, Self::Reviewer | Self::Supervisor | Self::OrgLead)
    }
}
