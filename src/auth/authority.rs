//! Who may manage whom. Authority runs district admin > street admin > the workers and
//! volunteers of communities; an admin manages only accounts whose authority is strictly
//! narrower than their own, never an equal (another admin of the same area) or a wider one.
use crate::domain::ids::{CommunityId, DistrictId, StreetId};
use crate::domain::role::Role;
use crate::store::AdminArea;

/// The admin who acts: their area and the communities inside it.
#[derive(Debug, Clone, Copy)]
pub struct Manager<'a> {
    pub area: AdminArea,
    pub communities: &'a [CommunityId],
}

/// What an account is responsible for.
#[derive(Debug, Clone, Copy)]
pub enum Authority<'a> {
    /// An admin of a district, or of a street (with the street's district).
    Admin(Option<AdminArea>, Option<DistrictId>),
    /// A worker or volunteer: the communities they serve, and their home (the street or
    /// district they last served) for when they serve none.
    Community {
        communities: &'a [CommunityId],
        home_street: Option<StreetId>,
        home_district: Option<DistrictId>,
    },
    Resident,
}

impl Manager<'_> {
    /// Whether this admin may manage (reset, disable, re-enable, assign, read the audit of)
    /// an account with `target` authority.
    pub fn may_manage(&self, target: Authority<'_>) -> bool {
        match target {
            Authority::Resident => false,
            // Only a district admin has an admin below them: the admins of its streets.
            Authority::Admin(Some(AdminArea::Street(_)), Some(district)) => {
                self.area == AdminArea::District(district)
            }
            Authority::Admin(..) => false,
            Authority::Community { communities, .. } if !communities.is_empty() => {
                communities.iter().all(|c| self.communities.contains(c))
            }
            Authority::Community {
                home_street,
                home_district,
                ..
            } => match self.area {
                AdminArea::Street(s) => home_street == Some(s),
                AdminArea::District(d) => home_district == Some(d),
            },
        }
    }

    /// Whether this admin may create an account of `role` (for an admin: of `street`, whose
    /// district is `street_district`).
    pub fn may_create(&self, role: Role, street_district: Option<DistrictId>) -> bool {
        match role {
            Role::Resident => false,
            Role::Worker | Role::Volunteer => true,
            // Project-only accounts serve no community; they belong to the creator's area.
            Role::Reviewer | Role::Supervisor | Role::OrgLead => true,
            Role::Admin => matches!(
                (self.area, street_district),
                (AdminArea::District(d), Some(sd)) if d == sd
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: DistrictId = DistrictId(1);
    const S1: StreetId = StreetId(11);
    const S2: StreetId = StreetId(12);
    const C1: CommunityId = CommunityId(101); // in S1
    const C2: CommunityId = CommunityId(102); // in S2

    fn district() -> Manager<'static> {
        Manager {
            area: AdminArea::District(D),
            communities: &[C1, C2],
        }
    }
    fn street1() -> Manager<'static> {
        Manager {
            area: AdminArea::Street(S1),
            communities: &[C1],
        }
    }
    fn worker(communities: &[CommunityId], home: Option<StreetId>) -> Authority<'_> {
        Authority::Community {
            communities,
            home_street: home,
            home_district: Some(D),
        }
    }

    #[test]
    fn admins_never_manage_equal_or_wider_admins() {
        let district_admin = Authority::Admin(Some(AdminArea::District(D)), Some(D));
        let street1_admin = Authority::Admin(Some(AdminArea::Street(S1)), Some(D));
        assert!(!street1().may_manage(district_admin));
        assert!(!street1().may_manage(street1_admin), "an equal");
        assert!(!district().may_manage(district_admin), "an equal");
        assert!(district().may_manage(street1_admin));
        let elsewhere = Authority::Admin(Some(AdminArea::Street(S2)), Some(DistrictId(2)));
        assert!(!district().may_manage(elsewhere));
        assert!(!district().may_manage(Authority::Admin(None, None)));
        assert!(!district().may_manage(Authority::Resident));
    }

    #[test]
    fn staff_are_managed_only_by_admins_whose_area_holds_all_their_communities() {
        assert!(street1().may_manage(worker(&[C1], Some(S1))));
        assert!(district().may_manage(worker(&[C1], Some(S1))));
        let both = worker(&[C1, C2], None);
        assert!(district().may_manage(both));
        assert!(
            !street1().may_manage(both),
            "a worker also serving another street has authority the street admin lacks"
        );
        assert!(!street1().may_manage(worker(&[C2], Some(S2))));
    }

    #[test]
    fn staff_without_communities_stay_with_the_admins_of_their_home() {
        assert!(street1().may_manage(worker(&[], Some(S1))));
        assert!(district().may_manage(worker(&[], Some(S1))));
        assert!(!street1().may_manage(worker(&[], Some(S2))));
        assert!(district().may_manage(worker(&[], None)));
        let nowhere = Authority::Community {
            communities: &[],
            home_street: None,
            home_district: None,
        };
        assert!(!district().may_manage(nowhere));
        assert!(!street1().may_manage(nowhere));
    }

    #[test]
    fn district_admins_create_street_admins_and_street_admins_only_community_staff() {
        assert!(district().may_create(Role::Admin, Some(D)));
        assert!(!district().may_create(Role::Admin, Some(DistrictId(2))));
        assert!(!district().may_create(Role::Admin, None));
        assert!(!street1().may_create(Role::Admin, Some(D)));
        for m in [district(), street1()] {
            assert!(m.may_create(Role::Worker, None));
            assert!(m.may_create(Role::Volunteer, None));
            assert!(!m.may_create(Role::Resident, None));
        }
    }
}
